// Command-line parsing for backupctl: `backupctl [global options] GROUP VERB [ARGS] [options]`.
// Options may appear anywhere after the program name, as `--opt VALUE` or `--opt=VALUE`; an
// option's kind (takes a value or is a flag) is fixed program-wide, so parsing needs no command
// knowledge and each command then checks which options it accepts.
// Thread-safety: pure functions; CliArgs is a value.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bb::cli {

struct CliArgs {
  std::vector<std::string> words;             // GROUP, VERB, then positional arguments
  std::map<std::string, std::string> values;  // "name" -> "x" for --name x
  std::set<std::string> flags;                // "force" for --force
  bool Has(const std::string& option) const {
    return values.count(option) > 0 || flags.count(option) > 0;
  }
  std::string Value(const std::string& option) const {
    auto it = values.find(option);
    return it == values.end() ? std::string() : it->second;
  }
  bool Flag(const std::string& option) const { return flags.count(option) > 0; }
};

// Parses argv (without the program name). On a usage error returns nullopt and sets *error.
std::optional<CliArgs> ParseCliArgs(const std::vector<std::string>& argv, std::string* error);

// Options every command accepts.
bool IsGlobalOption(const std::string& option);

// Parses --size-gib style integers; nullopt when not a whole decimal number.
std::optional<long long> ParseInteger(const std::string& text);

}  // namespace bb::cli
