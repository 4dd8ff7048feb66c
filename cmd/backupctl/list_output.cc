// Paging options and listing output of the list commands.
#include "cmd/backupctl/list_output.h"

#include <cstdint>
#include <iostream>
#include <limits>

#include "cmd/backupctl/human_output.h"

namespace bb::cli {

std::vector<std::string> ListOptionNames(std::vector<std::string> filters) {
  for (const char* o : {"sort", "limit", "marker", "with-count", "all-projects"}) {
    filters.push_back(o);
  }
  return filters;
}

int ReadListOptions(const CliArgs& args, const Command& command, v1::ListOptions* options) {
  if (args.Has("limit")) {
    auto limit = ParseInteger(args.Value("limit"));
    if (!limit || *limit < 0) {
      return UsageError(
          "--limit must be a whole non-negative number (0: the daemon's default "
          "page size)",
          &command);
    }
    // Larger than any page: the daemon caps it to its maximum and says so in the reply.
    options->set_limit(
        static_cast<int32_t>(std::min<long long>(*limit, std::numeric_limits<int32_t>::max())));
  }
  options->set_sort(args.Value("sort"));
  options->set_marker(args.Value("marker"));
  options->set_with_count(args.Flag("with-count"));
  options->set_all_projects(args.Flag("all-projects"));
  return kExitOk;
}

void PrintListing(Cli& cli, const std::string& key, const Json& records, const v1::PageInfo& page,
                  const std::vector<std::string>& columns) {
  if (cli.json()) {
    Json out = {{key, records}, {"next_marker", page.next_marker()}};
    if (page.count() >= 0) out["count"] = page.count();
    out["limit"] = page.limit();
    cli.PrintJson(out);
    return;
  }
  PrintTable(columns, records);
  if (!page.next_marker().empty())
    std::cout << "next page: --marker " << page.next_marker() << "\n";
  if (page.count() >= 0) std::cout << page.count() << " total\n";
}

}  // namespace bb::cli
