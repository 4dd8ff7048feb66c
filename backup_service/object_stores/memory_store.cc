// MemoryStore implementation. Thread-safety: one mutex guards all state.
#include "backup_service/object_stores/memory_store.h"

#include <algorithm>

#include "backup_service/object_stores/object_name.h"

namespace bb {

Status MemoryStore::EnsureContainer(const std::string& container) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  std::lock_guard lock(mu_);
  containers_[container];
  return Status::Ok();
}

Status MemoryStore::Put(const std::string& container, const std::string& name,
                        std::string_view data) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  std::string copy(data);  // copy outside the lock: large objects must not stall other callers
  std::lock_guard lock(mu_);
  auto it = containers_.find(container);
  if (it == containers_.end()) return Status::NotFound("container " + container + " not found");
  it->second[name] = std::move(copy);
  ++put_count_;
  return Status::Ok();
}

Result<std::string> MemoryStore::Get(const std::string& container, const std::string& name) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  std::lock_guard lock(mu_);
  auto it = containers_.find(container);
  if (it != containers_.end()) {
    auto obj = it->second.find(name);
    if (obj != it->second.end()) return obj->second;
  }
  return Status::NotFound("object " + container + "/" + name + " not found");
}

Result<bool> MemoryStore::Exists(const std::string& container, const std::string& name) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  std::lock_guard lock(mu_);
  auto it = containers_.find(container);
  return it != containers_.end() && it->second.count(name) > 0;
}

Status MemoryStore::Delete(const std::string& container, const std::string& name) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  RETURN_IF_ERROR(ValidateObjectName(name));
  std::lock_guard lock(mu_);
  auto it = containers_.find(container);
  if (it != containers_.end()) it->second.erase(name);
  return Status::Ok();
}

Result<std::vector<std::string>> MemoryStore::List(const std::string& container,
                                                   const std::string& prefix) {
  RETURN_IF_ERROR(ValidateContainerName(container));
  std::lock_guard lock(mu_);
  auto it = containers_.find(container);
  if (it == containers_.end()) return Status::NotFound("container " + container + " not found");
  std::vector<std::string> names;
  for (auto obj = it->second.lower_bound(prefix);
       obj != it->second.end() && obj->first.compare(0, prefix.size(), prefix) == 0; ++obj) {
    names.push_back(obj->first);
  }
  return names;
}

Result<std::vector<std::string>> MemoryStore::ListContainers(int depth) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, objects] : containers_) {
    if (std::count(name.begin(), name.end(), '/') + 1 == depth) out.push_back(name);
  }
  return out;
}

void MemoryStore::SetRawForTest(const std::string& container, const std::string& name,
                                std::string data) {
  std::lock_guard lock(mu_);
  containers_[container][name] = std::move(data);
}

int64_t MemoryStore::put_count() const {
  std::lock_guard lock(mu_);
  return put_count_;
}

}  // namespace bb
