// Keyset pagination shared by the repositories' List methods: one page of rows in a validated
// sort order (model/list_query.h), strictly after the marker row, plus an optional count.
//
// SQL shape, for sort terms k1 (desc), k2 (asc), id (asc) and the marker's values m1, m2, mid:
//   SELECT ... FROM t WHERE <visibility> AND <filters>
//     AND k1 <= m1 AND (k1 < m1 OR (k1 = m1 AND (k2 > m2 OR (k2 = m2 AND id > mid))))
//   ORDER BY k1 DESC, k2 ASC, id ASC LIMIT limit + 1 [OFFSET offset]
// The expanded OR form handles mixed directions (a row comparison cannot); the redundant leading
// bound (k1 <= m1) is what lets PostgreSQL start the index scan at the marker instead of
// filtering every earlier row. The extra row says whether a next page exists. The marker's
// values are read first, under the same visibility (project, deleted, temporary) but not the
// filters: a record whose status changed since the previous page is still a valid marker.
// Sort keys are looked up in the repository's SortColumn table; user text is only ever bound.
// Thread-safety: pure functions over the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/model/list_query.h"

namespace bb::sql {

// A sort key of a list and the SQL it stands for (constants of the repository).
struct SortColumn {
  std::string_view key{};  // the API's name: "created_at"
  // SQL over table-qualified columns: "backups.created_at". Qualified because a bare name in
  // ORDER BY means the SELECT list's column of that name first (id::text AS id would sort ids
  // as text and keep the index from providing the order). NULLs must be mapped (COALESCE).
  std::string_view expression{};
  std::string_view type{};  // SQL type the marker's value is bound as: "timestamptz"
};

// `column = value` with the value bound as a parameter of `type`.
struct Equals {
  std::string_view column{};
  std::string value{};
  std::string_view type = "text";
};

// Which rows a listing reads.
struct ListScope {
  std::string_view table{};    // "backups"
  std::string_view kind{};     // "backup", for messages
  std::string_view columns{};  // the SELECT list the repository's row reader expects
  std::span<const SortColumn> sort_columns{};  // must include every key of the resource and "id"
  std::vector<std::string_view> visible{};     // constant conditions: "status <> 'deleted'"
  std::optional<Equals> project{};             // unset when listing all projects
  std::vector<Equals> filters{};               // the caller's filters (empty values left out)
};

struct PageRows {
  pqxx::result rows{};  // the page's rows in order; at most `limit` are used (see `more`)
  bool more = false;    // a row follows the page
  int64_t count = -1;
};

// Reads one page. InvalidArgument when the marker is not a record visible in the scope.
Result<PageRows> FetchPage(pqxx::dbtransaction& txn, const ListScope& scope, const PageSpec& page);

// EXPLAIN ANALYZE of the statements FetchPage runs (page, then count when asked): the plan
// text, for benchmarks and operators checking that an index serves a listing.
Result<std::string> ExplainPage(pqxx::dbtransaction& txn, const ListScope& scope,
                                const PageSpec& page);

// Converts the page's rows with `read` (a row -> record function) and sets next_marker to the
// last record's id when more follow.
template <typename T, typename ReadRow>
Page<T> ToPage(const PageRows& rows, const PageSpec& page, ReadRow read) {
  Page<T> out;
  out.limit = page.limit;
  out.count = rows.count;
  for (int i = 0; i < page.limit && i < static_cast<int>(rows.rows.size()); ++i) {
    out.records.push_back(read(rows.rows[i]));
  }
  if (rows.more && !out.records.empty()) out.next_marker = out.records.back().id;
  return out;
}

}  // namespace bb::sql
