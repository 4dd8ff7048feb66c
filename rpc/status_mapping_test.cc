// Tests for status mapping: every code round-trips and messages are kept verbatim.
#include "rpc/status_mapping.h"

#include <gtest/gtest.h>

namespace bb {
namespace {

TEST(StatusMappingTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpcStatus(Status::Ok()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(StatusMappingTest, EveryCodeMapsOneToOneWithMessage) {
  for (int c = 1; c <= static_cast<int>(StatusCode::kUnauthenticated); ++c) {
    Status in(static_cast<StatusCode>(c), "message " + std::to_string(c));
    grpc::Status wire = ToGrpcStatus(in);
    EXPECT_EQ(static_cast<int>(wire.error_code()), c);
    EXPECT_EQ(wire.error_message(), in.message());
    Status back = FromGrpcStatus(wire);
    EXPECT_EQ(back.code(), in.code());
    EXPECT_EQ(back.message(), in.message());
  }
}

TEST(StatusMappingTest, CinderMessageIsKeptExactly) {
  const std::string msg = "Backing up an in-use volume must use the force flag.";
  grpc::Status wire = ToGrpcStatus(Status::FailedPrecondition(msg));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(wire.error_message(), msg);
}

TEST(StatusMappingTest, UnknownWireCodeBecomesUnknownButStaysAnError) {
  Status s = FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(42), "no"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnknown);
  EXPECT_EQ(s.message(), "no");
}

TEST(StatusMappingTest, RunHandlerMapsTheBodyStatus) {
  EXPECT_TRUE(RunHandler([] { return Status::Ok(); }).ok());
  grpc::Status s = RunHandler([] { return Status::NotFound("volume x not found"); });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "volume x not found");
}

}  // namespace
}  // namespace bb
