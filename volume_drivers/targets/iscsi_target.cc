// Helpers shared by every iSCSI target helper, and the registry of helpers; see iscsi_target.h.
#include "volume_drivers/targets/iscsi_target.h"

#include <openssl/rand.h>

#include <stdexcept>

#include "volume_drivers/targets/tgt_target.h"

namespace bb {
namespace {

std::string RandomAlnum(size_t n) {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string out;
  while (out.size() < n) {
    unsigned char buf[64];
    if (RAND_bytes(buf, sizeof(buf)) != 1) throw std::runtime_error("RAND_bytes failed");
    for (unsigned char b : buf) {
      // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
      if (b < 248 && out.size() < n) out.push_back(kAlphabet[b % kAlphabet.size()]);
    }
  }
  return out;
}

}  // namespace

ChapCredentials GenerateChapCredentials() { return {RandomAlnum(20), RandomAlnum(20)}; }

Result<bool> IscsiTarget::Exists(const std::string& target_iqn) {
  ASSIGN_OR_RETURN(std::vector<IscsiExport> exports, ListExports());
  for (const auto& e : exports) {
    if (e.target_iqn == target_iqn) return true;
  }
  return false;
}

bool IsValidIqn(const std::string& iqn) {
  // iqn.YYYY-MM.<reverse domain>[:<unique>]
  if (iqn.size() < 12 || iqn.size() > 223 || !iqn.starts_with("iqn.")) return false;
  for (size_t i : {4, 5, 6, 7, 9, 10}) {
    if (iqn[i] < '0' || iqn[i] > '9') return false;
  }
  if (iqn[8] != '-' || iqn[11] != '.') return false;
  for (char c : iqn) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return iqn.size() > 12 && iqn[12] != '.' && iqn[12] != ':';
}

std::string ProviderLocation(const IscsiExport& e) {
  return e.portal + "," + std::to_string(e.tid) + " " + e.target_iqn + " " + std::to_string(e.lun);
}

std::string ProviderAuth(const ChapCredentials& chap) {
  return "CHAP " + chap.username + " " + chap.secret;
}

ConnectionInfo IscsiConnectionInfo(const IscsiExport& e) {
  ConnectionInfo info;
  info.driver_volume_type = "iscsi";
  info.data["target_portal"] = e.portal;
  info.data["target_iqn"] = e.target_iqn;
  info.data["target_lun"] = std::to_string(e.lun);
  if (!e.chap.username.empty()) {
    info.data["auth_method"] = "CHAP";
    info.data["auth_username"] = e.chap.username;
    info.data["auth_password"] = e.chap.secret;
  }
  return info;
}

Result<std::unique_ptr<IscsiTarget>> CreateIscsiTarget(
    const std::string& name, const std::map<std::string, std::string>& config,
    CommandRunner& runner) {
  if (name == TgtTarget::kName) {
    ASSIGN_OR_RETURN(TgtTargetOptions options, TgtTargetOptions::FromConfig(config));
    return std::unique_ptr<IscsiTarget>(std::make_unique<TgtTarget>(runner, std::move(options)));
  }
  return Status::NotFound("no iSCSI target helper \"" + name +
                          "\"; known helpers: " + TgtTarget::kName);
}

}  // namespace bb
