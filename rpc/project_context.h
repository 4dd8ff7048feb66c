// Project context: which project (tenant) a request acts for. The caller names it in the
// `x-project-id` metadata header; a request without the header acts for project "default".
// Every manager call is scoped by this id, so a malformed value is refused up front rather than
// stored or compared. Thread-safety: pure functions.
#pragma once

#include <grpcpp/server_context.h>

#include <map>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace bb {

inline constexpr char kProjectIdHeader[] = "x-project-id";
inline constexpr char kDefaultProjectId[] = "default";

// OK when `project_id` matches [A-Za-z0-9_-]{1,64}; INVALID_ARGUMENT otherwise.
Status ValidateProjectId(std::string_view project_id);

// The project of a call: the header's value (validated) or "default" when absent. gRPC metadata
// is a multimap; a repeated header is ambiguous and refused.
Result<std::string> ProjectIdFromContext(const grpc::ServerContext& context);
// The same from a call's metadata (what the auth interceptor sees).
Result<std::string> ProjectIdFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

}  // namespace bb
