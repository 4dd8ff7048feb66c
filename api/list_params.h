// Query strings of the list calls (cinder-facts §2.3): filters, sort (`sort=k1:dir,k2` or the
// legacy `sort_key`/`sort_dir`, not both), `limit`/`marker` pagination, `with_count` (3.45+),
// `all_tenants` (admin; ignored for others). Since 3.31 an unknown parameter is a 400 naming it,
// before that it is ignored (as Cinder). `offset` is refused with a 400 that says to page with
// `marker`: the listings are keyset-paged (backup_service/db/keyset_page.h) and have no offset.
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

// The "<collection>_links" value for a page that ends at `next_marker` (empty when it is the
// last page: no links): the same request with marker replaced.
nlohmann::json NextLinks(const ApiRequest& request, const std::string& next_marker);

}  // namespace bb::api
