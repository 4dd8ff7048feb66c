// Cli: stubs, per-call contexts and error reporting.
#include "cmd/backupctl/cli_context.h"

#include <iostream>

#include "rpc/operator_auth.h"
#include "rpc/status_mapping.h"

namespace bb::cli {

Cli::Cli(const std::shared_ptr<grpc::Channel>& channel,
         const std::shared_ptr<grpc::Channel>& volume_channel, std::string project, bool json,
         std::string operator_token, std::string api_token)
    : volumes_(v1::VolumeService::NewStub(volume_channel)),
      backups_(v1::BackupService::NewStub(channel)),
      services_(v1::ServiceAdmin::NewStub(channel)),
      project_(std::move(project)),
      json_(json),
      operator_token_(std::move(operator_token)),
      api_token_(std::move(api_token)) {}

std::unique_ptr<grpc::ClientContext> Cli::NewContext(std::chrono::seconds timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!project_.empty()) context->AddMetadata("x-project-id", project_);
  if (!operator_token_.empty()) context->AddMetadata(kOperatorTokenHeader, operator_token_);
  if (!api_token_.empty()) context->AddMetadata("x-auth-token", api_token_);
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

int Cli::Fail(const grpc::Status& status) const {
  Status s = FromGrpcStatus(status);
  std::string code(StatusCodeName(s.code()));
  std::cerr << "error: " << code << ": " << s.message() << "\n";
  if (json_) {
    Json error = {{"error", {{"code", code}, {"message", s.message()}}}};
    std::cerr << error.dump() << "\n";
  }
  return kExitFailed;
}

void Cli::PrintJson(const Json& json) const { std::cout << json.dump(2) << "\n"; }

}  // namespace bb::cli
