// Human-readable output for backupctl: `key: value` blocks for one record and aligned tables for
// lists. Times (*_us fields) are shown as UTC ISO-8601. Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "cmd/backupctl/json_output.h"

namespace bb::cli {

// One record, one `key: value` line per field; nested records are indented.
void PrintRecord(const Json& record, int indent = 0);
// Columns named by `columns` (JSON field names), one row per record.
void PrintTable(const std::vector<std::string>& columns, const Json& records);

}  // namespace bb::cli
