#include "backup_service/db/keyset_page.h"

#include "backup_service/db/sql_util.h"

namespace bb::sql {
namespace {

// The parameters of one statement; Bind returns the placeholder to put in the SQL.
class Params {
 public:
  std::string Bind(std::optional<std::string> value, std::string_view type) {
    values_.push_back(std::move(value));
    return "$" + std::to_string(values_.size()) + "::" + std::string(type);
  }
  // For exec_params (nullptr = SQL NULL); valid until the next Bind.
  std::vector<const char*> Values() const {
    std::vector<const char*> out;
    for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
    return out;
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

std::vector<std::string> Conditions(const ListScope& scope, bool with_filters, Params& params) {
  std::vector<std::string> out(scope.visible.begin(), scope.visible.end());
  auto equals = [&](const Equals& e) {
    out.push_back(std::string(e.column) + " = " + params.Bind(e.value, e.type));
  };
  if (scope.project) equals(*scope.project);
  if (with_filters) {
    for (const auto& f : scope.filters) equals(f);
  }
  return out;
}

std::string Where(const std::vector<std::string>& conditions) {
  return conditions.empty() ? "" : " WHERE " + Join(conditions, " AND ");
}

Result<std::vector<const SortColumn*>> Columns(const ListScope& scope, const PageSpec& page) {
  std::vector<const SortColumn*> out;
  for (const auto& term : page.sort) {
    const SortColumn* found = nullptr;
    for (const auto& c : scope.sort_columns) {
      if (c.key == term.key) found = &c;
    }
    // The model's key lists and the repositories' column tables disagree: a bug, not input.
    if (found == nullptr) {
      return Status::Internal("no column for sort key " + term.key + " of " +
                              std::string(scope.table));
    }
    out.push_back(found);
  }
  return out;
}

// "k1 <= m1 AND (k1 < m1 OR (k1 = m1 AND (...)))" for the rows after the marker's values.
std::string AfterMarker(const std::vector<const SortColumn*>& columns, const PageSpec& page,
                        const std::vector<std::string>& marker) {
  auto strict = [&](size_t i) {
    return page.sort[i].direction == SortDirection::kAsc ? " > " : " < ";
  };
  std::string expr(columns.back()->expression);
  std::string condition = expr + strict(columns.size() - 1) + marker.back();
  for (size_t i = columns.size() - 1; i-- > 0;) {
    std::string e(columns[i]->expression);
    condition =
        e + strict(i) + marker[i] + " OR (" + e + " = " + marker[i] + " AND (" + condition + "))";
  }
  std::string first(columns[0]->expression);
  std::string bound = page.sort[0].direction == SortDirection::kAsc ? " >= " : " <= ";
  return first + bound + marker[0] + " AND (" + condition + ")";
}

std::string OrderBy(const std::vector<const SortColumn*>& columns, const PageSpec& page) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < columns.size(); ++i) {
    parts.push_back(std::string(columns[i]->expression) +
                    (page.sort[i].direction == SortDirection::kAsc ? " ASC" : " DESC"));
  }
  return " ORDER BY " + Join(parts, ", ");
}

// The marker row's sort values (as text, bound back with their types), or InvalidArgument.
Result<std::vector<std::optional<std::string>>> MarkerValues(
    pqxx::dbtransaction& txn, const ListScope& scope, const PageSpec& page,
    const std::vector<const SortColumn*>& columns) {
  Params params;
  std::vector<std::string> conditions = Conditions(scope, /*with_filters=*/false, params);
  conditions.push_back("id = " + params.Bind(page.marker, "uuid"));
  std::vector<std::string> selected;
  for (const auto* c : columns) selected.push_back("(" + std::string(c->expression) + ")::text");
  auto values = params.Values();
  auto r = txn.exec_params(
      "SELECT " + Join(selected, ", ") + " FROM " + std::string(scope.table) + Where(conditions),
      pqxx::prepare::make_dynamic_params(values));
  if (r.empty()) {
    return Status::InvalidArgument("marker " + page.marker + " is not a " +
                                   std::string(scope.kind) +
                                   " you can list; give the next_marker of the previous page");
  }
  std::vector<std::optional<std::string>> out;
  for (const auto& field : r[0]) {
    out.push_back(field.is_null() ? std::nullopt : std::optional(field.as<std::string>()));
  }
  return out;
}

// One statement and its parameters.
struct Statement {
  std::string sql;
  Params params;
  pqxx::result Run(pqxx::dbtransaction& txn, std::string_view prefix = "") const {
    auto values = params.Values();
    return txn.exec_params(std::string(prefix) + sql, pqxx::prepare::make_dynamic_params(values));
  }
};

// The page query (limit + 1 rows after the marker); reads the marker's values first.
Result<Statement> PageStatement(pqxx::dbtransaction& txn, const ListScope& scope,
                                const PageSpec& page) {
  if (page.sort.empty() || page.limit < 1) {
    return Status::Internal("list of " + std::string(scope.table) + " without sort or limit");
  }
  ASSIGN_OR_RETURN(std::vector<const SortColumn*> columns, Columns(scope, page));
  std::vector<std::optional<std::string>> marker_values;
  if (!page.marker.empty()) {
    ASSIGN_OR_RETURN(marker_values, MarkerValues(txn, scope, page, columns));
  }
  Statement st;
  std::vector<std::string> conditions = Conditions(scope, /*with_filters=*/true, st.params);
  if (!page.marker.empty()) {
    std::vector<std::string> marker;
    for (size_t i = 0; i < columns.size(); ++i) {
      marker.push_back(st.params.Bind(marker_values[i], columns[i]->type));
    }
    conditions.push_back(AfterMarker(columns, page, marker));
  }
  std::string limit = st.params.Bind(std::to_string(page.limit + 1), "bigint");
  st.sql = "SELECT " + std::string(scope.columns) + " FROM " + std::string(scope.table) +
           Where(conditions) + OrderBy(columns, page) + " LIMIT " + limit;
  // An offset skips rows after the marker (Cinder's marker + offset); the index still starts
  // the scan at the marker, the skipped rows are read and dropped.
  if (page.offset > 0) {
    st.sql += " OFFSET " + st.params.Bind(std::to_string(page.offset), "bigint");
  }
  return st;
}

Statement CountStatement(const ListScope& scope) {
  Statement st;
  std::vector<std::string> conditions = Conditions(scope, /*with_filters=*/true, st.params);
  st.sql = "SELECT count(*) FROM " + std::string(scope.table) + Where(conditions);
  return st;
}

}  // namespace

Result<PageRows> FetchPage(pqxx::dbtransaction& txn, const ListScope& scope, const PageSpec& page) {
  ASSIGN_OR_RETURN(Statement select, PageStatement(txn, scope, page));
  PageRows out;
  out.rows = select.Run(txn);
  out.more = static_cast<int>(out.rows.size()) > page.limit;
  if (page.with_count) out.count = Int(CountStatement(scope).Run(txn)[0][0]);
  return out;
}

Result<std::string> ExplainPage(pqxx::dbtransaction& txn, const ListScope& scope,
                                const PageSpec& page) {
  ASSIGN_OR_RETURN(Statement select, PageStatement(txn, scope, page));
  std::string plan;
  auto append = [&plan](const pqxx::result& r) {
    for (const auto& row : r) plan += Text(row[0]) + "\n";
  };
  constexpr std::string_view kExplain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ";
  append(select.Run(txn, kExplain));
  if (page.with_count) {
    plan += "-- count:\n";
    append(CountStatement(scope).Run(txn, kExplain));
  }
  return plan;
}

}  // namespace bb::sql
