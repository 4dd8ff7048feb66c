// BackupctlTest: runs the real backupctl binary against the real backupd of BackupdGrpcTest (one
// daemon and project per test), for tests of what an operator sees: exit status, stdout, and
// the error line on stderr. Setup steps can use the gRPC helpers of the base fixture.
// Thread-safety: test thread only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "tests/integration/backupd_grpc_fixture.h"

namespace bb::it {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  // stdout parsed as one JSON document (null when it is not JSON).
  nlohmann::json Json() const {
    return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  }
  // For failure messages.
  std::string Describe() const {
    return "exit " + std::to_string(code) + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
};

// Runs the real backupctl against `endpoint` as `project` (as the operator when
// `operator_token_file` is given) and collects its exit status and output.
inline CliRun RunBackupctl(const std::string& endpoint, const std::string& project,
                           const std::string& operator_token_file,
                           const std::vector<std::string>& args, std::chrono::seconds timeout) {
  std::vector<std::string> argv = {BB_BACKUPCTL_PATH, "--endpoint", endpoint, "--project", project};
  if (!operator_token_file.empty()) {
    argv.push_back("--operator-token-file");
    argv.push_back(operator_token_file);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  SystemCommandRunner runner;
  CommandOptions options;
  options.timeout = timeout;
  auto r = runner.Run(argv, options);
  CliRun run;
  if (!r.ok()) {
    run.err = r.status().ToString();
    return run;
  }
  run.code = r->exit_code;
  run.out = r->out;
  run.err = r->err;
  return run;
}

class BackupctlTest : public BackupdGrpcTest {
 protected:
  enum class As { kTenant, kOperator };

  // backupctl --endpoint E --project P [--operator-token-file F] ARGS...
  CliRun Cli(const std::vector<std::string>& args, As as = As::kTenant,
             const std::string& project = "") {
    return RunBackupctl(daemon_->endpoint(), project.empty() ? project_ : project,
                        as == As::kOperator ? daemon_->operator_token_file() : "", args,
                        std::chrono::seconds(120));
  }

  // Expects exit status 1 and `error: CODE: ...message...` on stderr.
  void ExpectRefused(const CliRun& run, const std::string& code, const std::string& message) {
    EXPECT_EQ(run.code, 1) << run.Describe();
    EXPECT_NE(run.err.find("error: " + code + ": "), std::string::npos) << run.Describe();
    EXPECT_NE(run.err.find(message), std::string::npos) << run.Describe();
  }
};

}  // namespace bb::it
