// A minimal HTTP client for the REST API tests (libcurl): one request, the status, the headers
// and the body back. Test-only.
// Thread-safety: each call uses its own curl handle.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bb::it {

struct HttpResponse {
  long status = 0;  // 0: the request did not complete (error says why)
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value of each
  std::string error;
  // The body as JSON (discarded value when it is not JSON).
  nlohmann::json Json() const;
  // "413 {...}" for assertion messages.
  std::string Describe() const;
};

// headers: "Name: value" lines. An empty method means GET. ca_file: for https:// URLs, the
// CA certificates to trust instead of the system's.
HttpResponse HttpRequest(const std::string& method, const std::string& url,
                         const std::vector<std::string>& headers, const std::string& body = "",
                         const std::string& ca_file = "");

}  // namespace bb::it
