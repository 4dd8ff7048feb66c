#include "api/http_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace bb::api {
namespace {

TEST(HttpErrorTest, StatusCodesAsCinder) {
  EXPECT_EQ(HttpStatusFor(Status::InvalidArgument("x")), 400);
  EXPECT_EQ(HttpStatusFor(Status::FailedPrecondition("x")), 400);
  EXPECT_EQ(HttpStatusFor(Status::NotFound("x")), 404);
  EXPECT_EQ(HttpStatusFor(Status::PermissionDenied("x")), 403);
  EXPECT_EQ(HttpStatusFor(Status::AlreadyExists("x")), 409);
  EXPECT_EQ(HttpStatusFor(Status::ResourceExhausted("x")), 413);
  EXPECT_EQ(HttpStatusFor(Status::Unimplemented("x")), 405);
  EXPECT_EQ(HttpStatusFor(Status::Unavailable("x")), 503);
  EXPECT_EQ(HttpStatusFor(Status::Internal("x")), 500);
}

TEST(HttpErrorTest, BodyHasTheFaultNameCodeAndMessage) {
  auto body =
      nlohmann::json::parse(ErrorBody(400, "Backing up an in-use volume must use the force flag."));
  EXPECT_EQ(body["badRequest"]["code"], 400);
  EXPECT_EQ(body["badRequest"]["message"], "Backing up an in-use volume must use the force flag.");
  EXPECT_TRUE(nlohmann::json::parse(ErrorBody(404, "x")).contains("itemNotFound"));
  EXPECT_TRUE(nlohmann::json::parse(ErrorBody(409, "x")).contains("conflictingRequest"));
  EXPECT_TRUE(nlohmann::json::parse(ErrorBody(413, "x")).contains("overLimit"));
  EXPECT_TRUE(nlohmann::json::parse(ErrorBody(405, "x")).contains("badMethod"));
  EXPECT_TRUE(nlohmann::json::parse(ErrorBody(406, "x")).contains("computeFault"));
}

TEST(HttpErrorTest, OverLimitCarriesRetryAfterAsCinder) {
  auto body = nlohmann::json::parse(
      ErrorBody(413, "BackupLimitExceeded: Maximum number of backups allowed (10) exceeded"));
  EXPECT_EQ(body["overLimit"]["code"], 413);
  EXPECT_EQ(body["overLimit"]["retryAfter"], "0");
  EXPECT_EQ(body["overLimit"]["message"],
            "BackupLimitExceeded: Maximum number of backups allowed (10) exceeded");
  EXPECT_FALSE(nlohmann::json::parse(ErrorBody(400, "x"))["badRequest"].contains("retryAfter"));
}

TEST(HttpErrorTest, NonUtf8MessageDoesNotThrow) {
  std::string body = ErrorBody(400, std::string("bad \xff byte"));
  EXPECT_TRUE(nlohmann::json::accept(body)) << body;
}

}  // namespace
}  // namespace bb::api
