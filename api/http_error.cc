// HTTP status mapping: a switch over every bb code, so a new code fails to compile until mapped.
#include "api/http_error.h"

#include <nlohmann/json.hpp>

namespace bb::api {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
    case StatusCode::kCancelled:
      return 409;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kUnimplemented:
      return 405;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kUnknown:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return 500;
  }
  return 500;
}

std::string_view FaultName(int http_status) {
  switch (http_status) {
    case 400:
      return "badRequest";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "itemNotFound";
    case 405:
      return "badMethod";
    case 409:
      return "conflictingRequest";
    case 413:
      return "overLimit";
    case 415:
      return "badMediaType";
    case 501:
      return "notImplemented";
    case 503:
      return "serviceUnavailable";
    default:
      return "computeFault";
  }
}

std::string ErrorBody(int http_status, std::string_view message) {
  nlohmann::json body;
  auto& fault = body[std::string(FaultName(http_status))];
  fault = {{"code", http_status}, {"message", std::string(message)}};
  if (http_status == 413) fault["retryAfter"] = kRetryAfterSeconds;
  // Messages may quote caller text that is not UTF-8: replace instead of throwing.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bb::api
