// Command table assembly, usage strings and help.
#include "cmd/backupctl/commands.h"

#include <iostream>
#include <map>

namespace bb::cli {
namespace {

// How each option is shown in usage lines (flags have no metavariable).
std::string OptionUsage(const std::string& option) {
  static const std::map<std::string, std::string> kMeta = {{"size-gib", "N"},
                                                           {"name", "NAME"},
                                                           {"description", "TEXT"},
                                                           {"instance", "UUID"},
                                                           {"attachment", "ID"},
                                                           {"volume", "VOLUME_ID"},
                                                           {"snapshot", "SNAPSHOT_ID"},
                                                           {"container", "CONTAINER"},
                                                           {"status", "STATUS"},
                                                           {"sort", "KEY[:asc|desc],..."},
                                                           {"limit", "N"},
                                                           {"marker", "ID"}};
  auto it = kMeta.find(option);
  return "--" + option + (it == kMeta.end() ? "" : " " + it->second);
}

}  // namespace

std::string Command::Usage() const {
  std::string line = Name();
  for (const auto& a : arguments) line += " " + a;
  for (const auto& o : required) line += " " + OptionUsage(o);
  for (const auto& o : optional) line += " [" + OptionUsage(o) + "]";
  return line;
}

const std::vector<Command>& AllCommands() {
  static const std::vector<Command> kCommands = [] {
    std::vector<Command> all;
    for (auto part : {VolumeCommands(), SnapshotCommands(), BackupCommands(), BackupEditCommands(),
                      BackupRecordCommands(), BackupWatchCommands(), RecoveryCommands(),
                      ServiceCommands(), TokenCommands()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }();
  return kCommands;
}

int UsageError(const std::string& message, const Command* command) {
  std::cerr << "error: " << message << "\n";
  if (command != nullptr) {
    std::cerr << "usage: backupctl " << command->Usage() << "\n";
  } else {
    std::cerr << "run 'backupctl --help' for the list of commands\n";
  }
  return kExitUsage;
}

std::string HelpText() {
  std::string text =
      "usage: backupctl [--endpoint HOST:PORT] [--volume-endpoint HOST:PORT] [--project PROJECT]\n"
      "                 [--operator-token-file FILE] [--token TOKEN] [--tls-ca-file FILE\n"
      "                 [--tls-cert-file FILE --tls-key-file FILE]] [--json] COMMAND...\n"
      "\n"
      "Client for backupd (volumes, snapshots, backups over gRPC).\n"
      "\n"
      "global options:\n"
      "  --endpoint HOST:PORT  daemon address (default $BACKUPCTL_ENDPOINT or 127.0.0.1:8777)\n"
      "  --volume-endpoint HOST:PORT\n"
      "                        the role volume daemon, for volume and snapshot commands when\n"
      "                        the roles run apart (default $BACKUPCTL_VOLUME_ENDPOINT or\n"
      "                        --endpoint)\n"
      "  --project PROJECT     act for this project (sent as x-project-id; default \"default\")\n"
      "  --operator-token-file FILE\n"
      "                        send the operator's admin token from FILE (default\n"
      "                        $BACKUPCTL_OPERATOR_TOKEN_FILE); needed by admin commands\n"
      "  --token TOKEN         an API token (backupctl token create), sent as x-auth-token on\n"
      "                        every call (default $BB_TOKEN); needed when backupd has\n"
      "                        grpc_auth = token, and it then decides the project\n"
      "  --tls-ca-file FILE    connect with TLS, trusting the CA certificates in FILE (default\n"
      "                        $BACKUPCTL_TLS_CA_FILE)\n"
      "  --tls-cert-file FILE  --tls-key-file FILE\n"
      "                        this client's certificate and key, for backupd with mutual TLS\n"
      "                        (defaults $BACKUPCTL_TLS_CERT_FILE, $BACKUPCTL_TLS_KEY_FILE)\n"
      "  --json                print records as JSON (errors also as JSON on stderr)\n"
      "\n"
      "commands:\n";
  for (const auto& c : AllCommands()) {
    text += "  " + c.Usage() + "\n      " + c.summary + "\n";
  }
  text += "\nexit status: 0 success, 1 request refused or operation failed, 2 usage error\n";
  return text;
}

}  // namespace bb::cli
