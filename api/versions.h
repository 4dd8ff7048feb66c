// Version discovery, without authentication (clients call it first): GET / answers 300 Multiple
// Choices and GET /v3 and /v3/ answer 200, both with {"versions": [{"id": "v3.0", "status":
// "CURRENT", "version": MAX, "min_version": MIN, ...}]}, the shape cinderclient's
// get_server_version reads.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
class Server;
}

namespace bb::api {

// The {"versions": [...]} document; links point at base_url ("http://HOST:PORT").
nlohmann::json VersionsDocument(const std::string& base_url);

void RegisterVersionRoutes(httplib::Server& server, const std::string& scheme = "http");

}  // namespace bb::api
