// Project context: extraction and validation of the x-project-id header.
#include "rpc/project_context.h"

namespace bb {
namespace {
constexpr size_t kMaxProjectIdBytes = 64;

bool IsProjectIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}
}  // namespace

Status ValidateProjectId(std::string_view project_id) {
  if (project_id.empty() || project_id.size() > kMaxProjectIdBytes) {
    return Status::InvalidArgument(std::string(kProjectIdHeader) +
                                   " must be 1 to 64 characters of [A-Za-z0-9_-]");
  }
  for (char c : project_id) {
    if (!IsProjectIdChar(c)) {
      // The value itself is not echoed: it is caller-controlled and may contain anything.
      return Status::InvalidArgument(std::string(kProjectIdHeader) +
                                     " may only contain characters [A-Za-z0-9_-]");
    }
  }
  return Status::Ok();
}

Result<std::string> ProjectIdFromContext(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range(kProjectIdHeader);
  if (begin == end) return std::string(kDefaultProjectId);
  if (std::next(begin) != end) {
    return Status::InvalidArgument(std::string(kProjectIdHeader) + " given more than once");
  }
  std::string project_id(begin->second.data(), begin->second.size());
  RETURN_IF_ERROR(ValidateProjectId(project_id));
  return project_id;
}

}  // namespace bb
