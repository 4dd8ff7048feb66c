// Cli: what every backupctl command needs: the stubs, the caller's project, the output mode, and
// one way to report a refused call. Exit codes: 0 success, 1 refused/failed request, 2 usage.
// Thread-safety: single-threaded (one command per process).
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <chrono>
#include <memory>
#include <string>

#include "backup.grpc.pb.h"
#include "cmd/backupctl/json_output.h"
#include "service.grpc.pb.h"
#include "volume.grpc.pb.h"

namespace bb::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

class Cli {
 public:
  // operator_token: sent as x-operator-token on every call when non-empty (admin commands);
  // api_token likewise as x-auth-token (backupd with grpc_auth = token).
  // volume_channel serves VolumeService (the role volume daemon; the same channel by default).
  Cli(const std::shared_ptr<grpc::Channel>& channel,
      const std::shared_ptr<grpc::Channel>& volume_channel, std::string project, bool json,
      std::string operator_token = "", std::string api_token = "");

  v1::VolumeService::Stub& volumes() { return *volumes_; }
  v1::BackupService::Stub& backups() { return *backups_; }
  v1::ServiceAdmin::Stub& services() { return *services_; }
  bool json() const { return json_; }

  // A context for one call: x-project-id (when --project was given), the operator token and the
  // API token (when given) and a deadline, so a hung daemon cannot hang scripts forever.
  std::unique_ptr<grpc::ClientContext> NewContext(
      std::chrono::seconds timeout = std::chrono::seconds(120)) const;

  // Prints `error: CODE: message` (and with --json the {"error":{...}} object) on stderr;
  // returns kExitFailed.
  int Fail(const grpc::Status& status) const;
  // Prints one JSON document on stdout.
  void PrintJson(const Json& json) const;

 private:
  std::unique_ptr<v1::VolumeService::Stub> volumes_;
  std::unique_ptr<v1::BackupService::Stub> backups_;
  std::unique_ptr<v1::ServiceAdmin::Stub> services_;
  std::string project_;
  bool json_;
  std::string operator_token_;
  std::string api_token_;
};

}  // namespace bb::cli
