// Query strings of the list calls (cinder-facts §2.3): filters, sort (`sort=k1:dir,k2` or the
// legacy `sort_key`/`sort_dir`, not both), `limit`/`marker`/`offset` pagination, `with_count`
// (3.45+), `all_tenants` (admin; ignored for others). Since 3.31 an unknown parameter is a 400
// naming it, before that it is ignored (as Cinder). `offset` (0 to 2147483647) skips records
// after the marker (or from the start) in the requested sort and filters; next links carry the
// marker and not the offset.
// Thread-safety: pure functions.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "api/api_request.h"
#include "backup_service/model/list_query.h"

namespace bb::api {

struct ListParams {
  std::map<std::string, std::string> filters;  // among the allowed keys, e.g. name/status
  PageRequest page;
};

// `filter_keys` are the resource's filters (backups: name, status, volume_id).
// all_tenants=1 lists every project for an admin and is ignored for anyone else (as Cinder).
Result<ListParams> ParseListParams(const ApiRequest& request,
                                   std::initializer_list<std::string_view> filter_keys);

// A boolean query parameter as Cinder reads one (true/false, 1/0, yes/no, on/off, t/f, y/n, any
// case); InvalidArgument naming `name` otherwise.
Result<bool> ParseBoolParam(std::string_view name, std::string value);

// The "<collection>_links" value for a page that ends at `next_marker` (empty when it is the
// last page: no links): the same request with marker replaced.
nlohmann::json NextLinks(const ApiRequest& request, const std::string& next_marker);

}  // namespace bb::api
