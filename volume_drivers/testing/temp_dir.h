// TempDir: a fresh directory (mkdtemp) removed recursively by the destructor. Test-only.
// Thread-safety: one owner; not shared between threads.
#pragma once

#include <string>
#include <utility>

#include "backup_service/common/result.h"

namespace bb::testing {

class TempDir {
 public:
  // Creates "<parent>/<prefix>XXXXXX"; parent "" means $TMPDIR or /tmp.
  static Result<TempDir> Create(const std::string& prefix = "bb-test-",
                                const std::string& parent = "");
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // Removes the tree now; the destructor then does nothing.
  Status Remove();
  // Gives up ownership: the directory is left on disk (e.g. when it still holds a mount).
  std::string Release() { return std::exchange(path_, std::string()); }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace bb::testing
