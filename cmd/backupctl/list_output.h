// What the three list commands (backup, volume, snapshot) share: the paging options
// (--sort --limit --marker --with-count --all-projects) and the listing's output.
// Thread-safety: single-threaded (one command per process).
#pragma once

#include <string>
#include <vector>

#include "cmd/backupctl/cli_args.h"
#include "cmd/backupctl/cli_context.h"
#include "cmd/backupctl/commands.h"
#include "common.pb.h"

namespace bb::cli {

// A list command's accepted options: its filters, then the paging options.
std::vector<std::string> ListOptionNames(std::vector<std::string> filters);

// Fills `options` from the command line. --limit must be a whole non-negative number; otherwise
// prints a usage error and returns kExitUsage (kExitOk when all is well). The rest is checked by
// the daemon, which says what to fix.
int ReadListOptions(const CliArgs& args, const Command& command, v1::ListOptions* options);

// With --json one object: {"<key>": [records], "next_marker": "" or ID, "count": N (only when
// --with-count), "limit": N}. Otherwise the table of `columns`, then "next page: --marker ID"
// when more follow and "N total" when counted.
void PrintListing(Cli& cli, const std::string& key, const Json& records, const v1::PageInfo& page,
                  const std::vector<std::string>& columns);

}  // namespace bb::cli
