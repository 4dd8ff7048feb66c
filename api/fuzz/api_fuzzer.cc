// libFuzzer target for the REST API's parsing: the same functions the handlers call, before any
// manager (request bodies, action bodies, quota sets, list query strings, the microversion
// header). The first byte of an input picks the entry point, the rest is the text it gets.
// Besides crashes and sanitizer reports it checks what every caller relies on: a refusal is
// InvalidArgument (a 400, never a 500) whose message makes a valid JSON error body, and a
// parsed list request survives the managers' own validation or is refused the same way.
// Build: cmake -DBB_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ (see README.md); run by tests/run.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "api/api_request.h"
#include "api/backup_requests.h"
#include "api/http_error.h"
#include "api/json_body.h"
#include "api/list_params.h"
#include "api/microversion.h"
#include "api/quota_body.h"
#include "backup_service/model/list_query.h"

namespace bb::api {
namespace {

void Require(bool ok, std::string_view what, const Status& st) {
  if (ok) return;
  std::cerr << "fuzz invariant broken: " << what << ": " << st.ToString() << "\n";
  std::abort();
}

// Every refusal of a parser is a 400 with a body that serialises.
void CheckRefusal(const Status& st) {
  if (st.ok()) return;
  Require(st.code() == StatusCode::kInvalidArgument, "a refusal that is not a 400", st);
  std::string body = ErrorBody(HttpStatusFor(st), st.message());
  Require(nlohmann::json::accept(body), "an error body that is not JSON", st);
}

// "k=v&k2=v2" -> the request's query (no percent-decoding: httplib has done it by then, and
// any byte can arrive decoded).
ApiRequest QueryRequest(std::string_view text, bool admin) {
  ApiRequest r;
  r.method = "GET";
  r.path = "/v3/p1/backups/detail";
  r.project = "p1";
  r.base_url = "http://127.0.0.1:8776";
  r.version = ApiVersion{3, 64};
  r.caller.project_id = "p1";
  r.caller.role = admin ? ApiRole::kAdmin : ApiRole::kMember;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    size_t eq = pair.find('=');
    r.query.emplace(std::string(pair.substr(0, eq)),
                    eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
  }
  return r;
}

void FuzzList(std::string_view text, bool admin, bool old_version) {
  ApiRequest r = QueryRequest(text, admin);
  if (old_version) r.version = ApiVersion{3, 30};  // unknown parameters ignored
  auto params = ParseListParams(r, {"name", "status", "volume_id"});
  CheckRefusal(params.status());
  if (!params.ok()) return;
  // What the manager does next with it: refusals there are 400s too.
  auto page = ResolvePage(params->page, kBackupSortKeys, ListLimits{});
  CheckRefusal(page.status());
  nlohmann::json links = NextLinks(r, "123e4567-e89b-12d3-a456-426614174000");
  Require(links.is_array(), "next links", Status::Ok());
  links.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void FuzzAction(std::string_view text) {
  auto action = ParseActionBody(text);
  CheckRefusal(action.status());
  if (!action.ok()) return;
  CheckRefusal(ParseResetStatusArgs(action->second).status());
  CheckRefusal(ParseForceDeleteArgs(action->second));
}

}  // namespace
}  // namespace bb::api

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bb::api;
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0:
      CheckRefusal(ParseBackupCreate(text).status());
      break;
    case 1:
      CheckRefusal(ParseBackupUpdate(text).status());
      break;
    case 2:
      CheckRefusal(ParseBackupRestore(text).status());
      break;
    case 3:
      CheckRefusal(ParseBackupImport(text).status());
      break;
    case 4:
      FuzzAction(text);
      break;
    case 5:
      CheckRefusal(ParseQuotaSetBody(text).status());
      break;
    case 6: {
      // The header value; out-of-range versions are OutOfRange (a 406), the rest 400.
      auto version = RequestedVersion(text);
      if (!version.ok() && version.status().code() != bb::StatusCode::kOutOfRange) {
        CheckRefusal(version.status());
      }
      break;
    }
    case 7:
      FuzzList(text, /*admin=*/false, /*old_version=*/false);
      break;
    case 8:
      FuzzList(text, /*admin=*/true, /*old_version=*/false);
      break;
    case 9:
      FuzzList(text, /*admin=*/false, /*old_version=*/true);
      break;
  }
  return 0;
}
