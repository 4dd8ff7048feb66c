// backupctl: command-line client of backupd. Parses the command line, finds the command in the
// table (commands.h), checks its arguments and options, and runs it over one gRPC channel.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <iostream>

#include "cmd/backupctl/channel_credentials.h"
#include "cmd/backupctl/cli_args.h"
#include "cmd/backupctl/commands.h"
#include "rpc/operator_auth.h"

namespace bb::cli {
namespace {

constexpr char kDefaultEndpoint[] = "127.0.0.1:8777";

const Command* FindCommand(const std::string& group, const std::string& verb) {
  for (const auto& c : AllCommands()) {
    if (c.group == group && c.verb == verb) return &c;
  }
  return nullptr;
}

// Checks positional count and options against the command's declaration.
int CheckArguments(const Command& command, const CliArgs& args) {
  const size_t words = command.verb.empty() ? 1 : 2;  // GROUP [VERB]
  size_t given = args.words.size() - words;
  if (given < command.arguments.size()) {
    return UsageError("missing " + command.arguments[given], &command);
  }
  if (given > command.arguments.size()) {
    return UsageError("unexpected argument '" + args.words[words + command.arguments.size()] + "'",
                      &command);
  }
  auto accepted = [&command](const std::string& option) {
    for (const auto* list : {&command.required, &command.optional}) {
      for (const auto& o : *list) {
        if (o == option) return true;
      }
    }
    return IsGlobalOption(option);
  };
  for (const auto& [option, value] : args.values) {
    if (!accepted(option)) {
      return UsageError(command.Name() + " does not take --" + option, &command);
    }
  }
  for (const auto& option : args.flags) {
    if (!accepted(option)) {
      return UsageError(command.Name() + " does not take --" + option, &command);
    }
  }
  for (const auto& option : command.required) {
    if (!args.Has(option)) return UsageError("--" + option + " is required", &command);
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  std::string error;
  auto args = ParseCliArgs(std::vector<std::string>(argv + 1, argv + argc), &error);
  if (!args) return UsageError(error);
  // A one-word command ("gc") has an empty verb.
  const Command* command = args->words.size() == 1 ? FindCommand(args->words[0], "") : nullptr;
  if (command == nullptr && args->words.size() < 2 && args->Flag("help")) {
    std::cout << HelpText();
    return kExitOk;
  }
  if (args->words.empty()) return UsageError("missing command");
  if (command == nullptr && args->words.size() < 2) {
    return UsageError("missing action after '" + args->words[0] + "' (e.g. '" + args->words[0] +
                      " list')");
  }
  if (command == nullptr) command = FindCommand(args->words[0], args->words[1]);
  if (command == nullptr) {
    return UsageError("unknown command '" + args->words[0] + " " + args->words[1] + "'");
  }
  if (args->Flag("help")) {
    std::cout << "usage: backupctl " << command->Usage() << "\n  " << command->summary << "\n";
    return kExitOk;
  }
  if (int rc = CheckArguments(*command, *args); rc != kExitOk) return rc;

  std::string endpoint = args->Value("endpoint");
  if (endpoint.empty()) {
    const char* env = std::getenv("BACKUPCTL_ENDPOINT");
    endpoint = (env != nullptr && *env != '\0') ? env : kDefaultEndpoint;
  }
  // Volumes and snapshots are served by the role volume daemon when the roles are split (README
  // "Roles"); by default the same daemon as everything else.
  std::string volume_endpoint = args->Value("volume-endpoint");
  if (volume_endpoint.empty()) {
    const char* env = std::getenv("BACKUPCTL_VOLUME_ENDPOINT");
    volume_endpoint = (env != nullptr && *env != '\0') ? env : endpoint;
  }
  std::string token_file = args->Value("operator-token-file");
  if (token_file.empty()) {
    const char* env = std::getenv("BACKUPCTL_OPERATOR_TOKEN_FILE");
    if (env != nullptr) token_file = env;
  }
  std::string operator_token;
  if (!token_file.empty()) {
    auto token = ReadOperatorTokenFile(token_file);
    if (!token.ok()) return UsageError(token.status().message());
    operator_token = *token;
  }
  auto credentials = ChannelCredentialsFor(*args);
  if (!credentials.ok()) return UsageError(credentials.status().message());
  auto channel = grpc::CreateChannel(endpoint, *credentials);
  auto volume_channel =
      volume_endpoint == endpoint ? channel : grpc::CreateChannel(volume_endpoint, *credentials);
  Cli cli(channel, volume_channel, args->Value("project"), args->Flag("json"), operator_token,
          ApiTokenFor(*args));
  return command->run(cli, *args, *command);
}

}  // namespace
}  // namespace bb::cli

int main(int argc, char** argv) { return bb::cli::Main(argc, argv); }
