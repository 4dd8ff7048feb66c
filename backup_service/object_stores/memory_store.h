// MemoryStore: an ObjectStore held in process memory, for unit tests. Same semantics and name rules
// as the real stores (containers must be created with EnsureContainer first).
// Thread-safety: every method takes one mutex; safe for concurrent use.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "backup_service/object_stores/object_store.h"

namespace bb {

class MemoryStore : public ObjectStore {
 public:
  std::string Name() const override { return "memory"; }
  Status EnsureContainer(const std::string& container) override;
  Status Put(const std::string& container, const std::string& name, std::string_view data) override;
  Result<std::string> Get(const std::string& container, const std::string& name) override;
  Result<bool> Exists(const std::string& container, const std::string& name) override;
  Status Delete(const std::string& container, const std::string& name) override;
  Result<std::vector<std::string>> List(const std::string& container,
                                        const std::string& prefix) override;
  Result<std::vector<std::string>> ListContainers(int depth) override;

  // Test hooks: overwrite an object without validation (e.g. to corrupt it), count Put calls.
  void SetRawForTest(const std::string& container, const std::string& name, std::string data);
  int64_t put_count() const;

 private:
  mutable std::mutex mu_;
  // container -> (object name -> data); std::map keeps List sorted for free.
  std::map<std::string, std::map<std::string, std::string>> containers_;
  int64_t put_count_ = 0;
};

}  // namespace bb
