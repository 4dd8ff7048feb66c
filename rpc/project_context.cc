// Project context: extraction and validation of the x-project-id header.
#include "rpc/project_context.h"

#include "backup_service/common/validation.h"

namespace bb {

Status ValidateProjectId(std::string_view project_id) {
  return ValidateProjectId(kProjectIdHeader, project_id);
}

Result<std::string> ProjectIdFromContext(const grpc::ServerContext& context) {
  return ProjectIdFromMetadata(context.client_metadata());
}

Result<std::string> ProjectIdFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
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
