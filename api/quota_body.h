// The body of PUT /v3/{project}/os-quota-sets/{target} (Cinder's update_quota schema and
// _validate_quota_set): {"quota_set": {"backups": 5, "backup_gigabytes": "100"}}. Values are
// integers from -1 (unlimited) to 2147483647, as JSON numbers or integer strings (Cinder
// reads int(str(value))); `tenant_id` and `id` are ignored (cinderclient sends tenant_id);
// any other key is a 400 "Bad key(s) in quota set: ..." (this service has no volume quotas).
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "backup_service/common/result.h"
#include "backup_service/model/quotas.h"

namespace bb::api {

Result<QuotaUpdate> ParseQuotaSetBody(std::string_view body);

}  // namespace bb::api
