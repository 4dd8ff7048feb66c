// Version discovery documents (cinder/api/versions.py's shape).
#include "api/versions.h"

#include <httplib.h>

#include "api/microversion.h"

namespace bb::api {

nlohmann::json VersionsDocument(const std::string& base_url) {
  nlohmann::json v3 = {
      {"id", "v3.0"},
      {"status", "CURRENT"},
      {"version", kMaxApiVersion.ToString()},
      {"min_version", kMinApiVersion.ToString()},
      {"updated", "2016-02-08T12:20:21Z"},
      {"links", nlohmann::json::array({{{"rel", "self"}, {"href", base_url + "/v3/"}}})},
      {"media-types",
       nlohmann::json::array({{{"base", "application/json"},
                               {"type", "application/vnd.openstack.volume+json;version=3"}}})}};
  return {{"versions", nlohmann::json::array({v3})}};
}

void RegisterVersionRoutes(httplib::Server& server, const std::string& scheme) {
  auto answer = [scheme](int status) {
    return [status, scheme](const httplib::Request& req, httplib::Response& res) {
      std::string host = req.get_header_value("Host");
      if (host.find_first_of("/ \t\r\n\"<>\\") != std::string::npos) host = "";
      res.status = status;
      res.set_header(kVersionHeader,
                     std::string(kVersionService) + " " + kMinApiVersion.ToString());
      res.set_content(VersionsDocument(scheme + "://" + host).dump(), "application/json");
    };
  };
  server.Get("/", answer(300));
  server.Get("/v3/?", answer(200));
}

}  // namespace bb::api
