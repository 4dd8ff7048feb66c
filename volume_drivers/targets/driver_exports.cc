// Per-object iSCSI exports for volume drivers; see driver_exports.h.
#include "volume_drivers/targets/driver_exports.h"

#include <sstream>

#include "backup_service/common/uuid.h"

namespace bb {
namespace {

const char* KindName(ExportKind kind) {
  return kind == ExportKind::kVolume ? "volume" : "snapshot";
}

}  // namespace

Result<std::unique_ptr<DriverExports>> DriverExports::Create(std::unique_ptr<IscsiTarget> target,
                                                             std::string iqn_prefix) {
  if (!IsValidIqn(iqn_prefix + "snapshot-" + NewUuid())) {
    return Status::InvalidArgument(
        "iSCSI target prefix \"" + iqn_prefix +
        "\" does not make valid IQNs (iqn.YYYY-MM.domain:..., lower case)");
  }
  return std::unique_ptr<DriverExports>(
      new DriverExports(std::move(target), std::move(iqn_prefix)));
}

DriverExports::DriverExports(std::unique_ptr<IscsiTarget> target, std::string iqn_prefix)
    : target_(std::move(target)), iqn_prefix_(std::move(iqn_prefix)) {}

std::string DriverExports::Iqn(ExportKind kind, const std::string& id) const {
  return iqn_prefix_ + KindName(kind) + "-" + id;
}

Result<ExportUpdate> DriverExports::Export(ExportKind kind, const std::string& id,
                                           const std::string& backing_path,
                                           const ConnectorProperties& connector) {
  if (!IsUuid(id)) {
    return Status::InvalidArgument(std::string(KindName(kind)) + " id is not a UUID: \"" + id +
                                   "\"");
  }
  if (connector.initiator.empty() && connector.ip.empty()) {
    return Status::InvalidArgument("cannot export " + std::string(KindName(kind)) + " " + id +
                                   ": the connector names neither an initiator nor an address");
  }
  IscsiExportRequest request;
  request.target_iqn = Iqn(kind, id);
  request.backing_path = backing_path;
  request.chap = GenerateChapCredentials();
  if (!connector.initiator.empty()) request.initiator_names.push_back(connector.initiator);
  if (!connector.ip.empty()) request.initiator_addresses.push_back(connector.ip);
  request.read_only = kind == ExportKind::kSnapshot;
  ASSIGN_OR_RETURN(IscsiExport e, target_->CreateExport(request));
  return ExportUpdate{ProviderLocation(e), ProviderAuth(e.chap)};
}

Result<ExportUpdate> DriverExports::Remove(ExportKind kind, const std::string& id) {
  if (!IsUuid(id)) {
    return Status::InvalidArgument(std::string(KindName(kind)) + " id is not a UUID: \"" + id +
                                   "\"");
  }
  RETURN_IF_ERROR(target_->RemoveExport(Iqn(kind, id)));
  return ExportUpdate{};
}

Status DriverExports::CheckReachable() {
  auto list = target_->ListExports();
  if (!list.ok()) {
    return Status::Unavailable(
        "the iSCSI target framework does not answer (is tgtd running? "
        "devstack/lib/tgt.sh start): " +
        list.status().message());
  }
  return Status::Ok();
}

Result<IscsiExport> ParseProviderLocation(const std::string& provider_location) {
  std::istringstream in(provider_location);
  std::string portal_tid, iqn, lun, extra;
  if (!(in >> portal_tid >> iqn >> lun) || (in >> extra)) {
    return Status::InvalidArgument(
        "not an iSCSI provider_location (\"<portal>,<tid> <iqn> <lun>\"): \"" + provider_location +
        "\"");
  }
  IscsiExport e;
  auto comma = portal_tid.rfind(',');
  e.portal = portal_tid.substr(0, comma);
  try {
    if (comma != std::string::npos) e.tid = std::stoi(portal_tid.substr(comma + 1));
    e.lun = std::stoi(lun);
  } catch (const std::exception&) {
    return Status::InvalidArgument("bad tid or LUN in provider_location \"" + provider_location +
                                   "\"");
  }
  if (e.portal.empty() || !IsValidIqn(iqn)) {
    return Status::InvalidArgument("bad portal or IQN in provider_location \"" + provider_location +
                                   "\"");
  }
  e.target_iqn = iqn;
  return e;
}

Result<ConnectionInfo> IscsiConnectionFromModel(const std::string& provider_location,
                                                const std::string& provider_auth,
                                                const ConnectorProperties& connector) {
  if (connector.initiator.empty()) {
    return Status::InvalidArgument(
        "an iSCSI connection needs the connecting host's initiator name (connector.initiator)");
  }
  ASSIGN_OR_RETURN(IscsiExport e, ParseProviderLocation(provider_location));
  std::istringstream in(provider_auth);
  std::string method, extra;
  // Never quote provider_auth in an error: it holds the secret.
  if (!(in >> method >> e.chap.username >> e.chap.secret) || (in >> extra) || method != "CHAP") {
    return Status::InvalidArgument("provider_auth is not \"CHAP <user> <secret>\"");
  }
  return IscsiConnectionInfo(e);
}

}  // namespace bb
