// CommandRunner: runs external commands (losetup, mount, lvm, iscsiadm, tgtadm...) from an argv
// vector, never through a shell. Every command runs with LC_ALL=C (parsers expect C-locale output),
// a timeout, and captured stdout/stderr. Argument values listed as secrets are replaced by "***" in
// logs and error messages. Injected into drivers so that tests can substitute a recording fake.
// Thread-safety: Run may be called concurrently.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "backup_service/common/result.h"

namespace bb {

struct CommandResult {
  int exit_code = 0;  // 128+signal when killed by a signal
  std::string out;
  std::string err;
};

struct CommandOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  std::vector<std::string> secrets;  // values to redact from logs and messages
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv[0] (looked up in PATH) with argv. Returns the result whatever the exit code;
  // a non-OK Status only when the command could not be started or timed out (it is then killed).
  virtual Result<CommandResult> Run(const std::vector<std::string>& argv,
                                    const CommandOptions& options = {}) = 0;
};

// The real runner: fork + execvp with stdin from /dev/null.
class SystemCommandRunner : public CommandRunner {
 public:
  Result<CommandResult> Run(const std::vector<std::string>& argv,
                            const CommandOptions& options = {}) override;
};

// Runs and requires exit code 0; otherwise Internal (or NotFound when the program is missing) with
// the command line and its stderr in the message.
Result<CommandResult> RunChecked(CommandRunner& runner, const std::vector<std::string>& argv,
                                 const CommandOptions& options = {});

// "losetup --find --show /x" with secrets replaced by "***".
std::string FormatCommand(const std::vector<std::string>& argv,
                          const std::vector<std::string>& secrets = {});
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace bb
