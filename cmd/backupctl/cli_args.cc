// backupctl argument parsing.
#include "cmd/backupctl/cli_args.h"

#include <charconv>

namespace bb::cli {
namespace {

// Options that take a value; everything else known is a flag.
const std::set<std::string>& ValueOptions() {
  static const std::set<std::string> kOptions = {
      "endpoint",      "project",         "operator-token-file",
      "size-gib",      "name",            "description",
      "instance",      "attachment",      "volume",
      "snapshot",      "container",       "status",
      "sort",          "limit",           "marker",
      "role",          "volume-endpoint", "token",
      "tls-ca-file",   "tls-cert-file",   "tls-key-file"};
  return kOptions;
}

const std::set<std::string>& FlagOptions() {
  static const std::set<std::string> kOptions = {"json",         "help",  "force",
                                                 "incremental",  "wait",  "with-count",
                                                 "all-projects", "quiet", "restore"};
  return kOptions;
}

}  // namespace

bool IsGlobalOption(const std::string& option) {
  return option == "endpoint" || option == "volume-endpoint" || option == "project" ||
         option == "operator-token-file" || option == "json" || option == "help" ||
         option == "token" || option == "tls-ca-file" || option == "tls-cert-file" ||
         option == "tls-key-file";
}

std::optional<CliArgs> ParseCliArgs(const std::vector<std::string>& argv, std::string* error) {
  CliArgs args;
  bool options_done = false;  // after "--" everything is positional
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (options_done || arg.empty() || arg[0] != '-' || arg == "-") {
      args.words.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h") {
      args.flags.insert("help");
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      *error = "unknown option '" + arg + "' (options are --long-names)";
      return std::nullopt;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (ValueOptions().count(name)) {
      if (inline_value) {
        args.values[name] = *inline_value;
      } else if (i + 1 < argv.size()) {
        args.values[name] = argv[++i];
      } else {
        *error = "--" + name + " needs a value";
        return std::nullopt;
      }
    } else if (FlagOptions().count(name)) {
      if (inline_value) {
        *error = "--" + name + " takes no value";
        return std::nullopt;
      }
      args.flags.insert(name);
    } else {
      *error = "unknown option '--" + name + "'";
      return std::nullopt;
    }
  }
  return args;
}

std::optional<long long> ParseInteger(const std::string& text) {
  long long v = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

}  // namespace bb::cli
