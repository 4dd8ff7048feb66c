// Name validation shared by the object stores. Thread-safety: pure functions.
#include "backup_service/object_stores/object_name.h"

#include <string>

namespace bb {
namespace {

constexpr size_t kMaxNameLength = 1024;  // S3's limit; keeps paths well under PATH_MAX

// Checks the component rules; returns the number of components through `components`.
Status ValidatePath(std::string_view what, std::string_view s, int* components) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(what) + " name '" + std::string(s) + "' " +
                                   std::string(why));
  };
  if (s.empty()) return invalid("is empty");
  if (s.size() > kMaxNameLength) return invalid("is too long");
  if (s.find('\0') != std::string_view::npos) return invalid("contains NUL");
  if (s.front() == '/') return invalid("starts with '/'");
  *components = 0;
  size_t start = 0;
  while (true) {
    size_t end = s.find('/', start);
    std::string_view part = s.substr(start, end == std::string_view::npos ? s.npos : end - start);
    if (part.empty()) return invalid("has an empty component");
    if (part == "." || part == "..") return invalid("has a '.' or '..' component");
    if (part.substr(0, kReservedTempPrefix.size()) == kReservedTempPrefix) {
      return invalid("uses the reserved prefix " + std::string(kReservedTempPrefix));
    }
    ++*components;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace

Status ValidateContainerName(std::string_view container) {
  int components = 0;
  RETURN_IF_ERROR(ValidatePath("container", container, &components));
  if (components > 2) {
    return Status::InvalidArgument("container name '" + std::string(container) +
                                   "' has more than one '/'");
  }
  return Status::Ok();
}

Status ValidateObjectName(std::string_view name) {
  int components = 0;
  return ValidatePath("object", name, &components);
}

}  // namespace bb
