// The one conversion from bb::Status to HTTP, and Cinder's error body:
//   {"badRequest": {"code": 400, "message": "..."}}
// (the fault names of cinder/api/openstack/wsgi.py: badRequest, unauthorized, forbidden,
// itemNotFound, badMethod, conflictingRequest, overLimit, badMediaType, notImplemented,
// serviceUnavailable; any other code is computeFault).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "backup_service/common/status.h"

namespace bb::api {

// InvalidArgument/FailedPrecondition/OutOfRange 400 (Cinder's Invalid*), NotFound 404,
// PermissionDenied 403, AlreadyExists/Aborted/Cancelled 409, ResourceExhausted 413,
// Unimplemented 405 (Cinder's NotSupportedOperation), Unavailable 503, DeadlineExceeded 504,
// others 500.
int HttpStatusFor(const Status& status);

// "badRequest" for 400, ... "computeFault" for codes without a name of their own.
std::string_view FaultName(int http_status);

// The JSON error body for `http_status` with `message`. A 413 also carries "retryAfter": "0",
// the value of the Retry-After header the server sends with it (Cinder's QuotaError headers,
// repeated in the body by Cinder's Fault).
inline constexpr char kRetryAfterSeconds[] = "0";
std::string ErrorBody(int http_status, std::string_view message);

}  // namespace bb::api
