// IscsiTargetAddress from os-brick's connection_info keys; see iscsi_address.h.
#include "volume_drivers/connectors/iscsi_address.h"

#include <charconv>

namespace bb {
namespace {

bool ParseLun(const std::string& s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0 && out < 16384;
}

}  // namespace

std::string IscsiTargetAddress::Url() const {
  return "iscsi://" + portal + "/" + iqn + "/" + std::to_string(lun);
}

Result<IscsiTargetAddress> IscsiAddressFromInfo(const ConnectionInfo& info) {
  auto get = [&](const char* key) -> std::string {
    auto it = info.data.find(key);
    return it == info.data.end() ? std::string() : it->second;
  };
  IscsiTargetAddress a;
  a.portal = get("target_portal");
  a.iqn = get("target_iqn");
  std::string lun = get("target_lun");
  size_t colon = a.portal.rfind(':');
  if (a.portal.empty() || colon == std::string::npos || colon == 0 ||
      colon + 1 == a.portal.size()) {
    return Status::InvalidArgument("iscsi connection info needs target_portal as ip:port, not \"" +
                                   a.portal + "\"");
  }
  if (a.iqn.empty()) return Status::InvalidArgument("iscsi connection info needs target_iqn");
  if (!ParseLun(lun, a.lun)) {
    return Status::InvalidArgument("iscsi connection info needs target_lun as a number, not \"" +
                                   lun + "\"");
  }
  std::string method = get("auth_method");
  if (method.empty()) return a;
  if (method != "CHAP") {
    return Status::Unimplemented("iscsi auth_method \"" + method + "\" (only CHAP is supported)");
  }
  a.chap_username = get("auth_username");
  a.chap_secret = get("auth_password");
  if (a.chap_username.empty() || a.chap_secret.empty()) {
    return Status::InvalidArgument(
        "iscsi connection info with auth_method CHAP needs auth_username and auth_password");
  }
  return a;
}

}  // namespace bb
