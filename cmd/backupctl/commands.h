// The backupctl command table: each command names its words, positional arguments, accepted
// options and handler. main() dispatches on it and derives help and usage errors from it, so a
// command's documentation cannot drift from what it accepts.
// Thread-safety: the table is immutable after first use.
#pragma once

#include <string>
#include <vector>

#include "cmd/backupctl/cli_args.h"
#include "cmd/backupctl/cli_context.h"

namespace bb::cli {

struct Command;
using Handler = int (*)(Cli& cli, const CliArgs& args, const Command& command);

struct Command {
  std::string group;                   // "volume"
  std::string verb;                    // "create"; empty for a one-word command ("gc")
  std::vector<std::string> arguments;  // positional argument names, all required ("VOLUME_ID")
  std::vector<std::string> required;   // options that must be given ("size-gib")
  std::vector<std::string> optional;   // other accepted options ("name", "force")
  std::string summary;
  Handler run;

  // "volume create --size-gib N [--name X] [--description X]"
  std::string Usage() const;
  // "volume create", or "gc" for a command without a verb.
  std::string Name() const { return verb.empty() ? group : group + " " + verb; }
};

std::vector<Command> VolumeCommands();
std::vector<Command> SnapshotCommands();
std::vector<Command> BackupCommands();
std::vector<Command> BackupEditCommands();
std::vector<Command> BackupRecordCommands();  // backup export / import
std::vector<Command> BackupWatchCommands();
std::vector<Command> RecoveryCommands();  // backup verify, catalog rebuild
std::vector<Command> ServiceCommands();   // service list / takeover (admin)
std::vector<Command> TokenCommands();     // token create / revoke / list (admin)
const std::vector<Command>& AllCommands();

// Prints `error: message` and the command's usage on stderr; returns kExitUsage.
int UsageError(const std::string& message, const Command* command = nullptr);
// Overall help (all commands and global options).
std::string HelpText();

}  // namespace bb::cli
