// ServiceAdmin: service list (identity rows + unfinished work) and takeover.
#include "backup_service/manager/service_admin.h"

#include "backup_service/common/log.h"

namespace bb {

ServiceAdmin::ServiceAdmin(Database& db, HostIdentity& identity, BackupManager& backups)
    : identity_(identity), backups_(backups), backup_records_(db, identity.host()) {}

Result<std::vector<ServiceStatus>> ServiceAdmin::ListServices() {
  ASSIGN_OR_RETURN(std::vector<ServiceRecord> services, identity_.ListServices());
  ASSIGN_OR_RETURN(auto unfinished, backup_records_.UnfinishedByHost());
  std::vector<ServiceStatus> out;
  for (ServiceRecord& s : services) {
    ServiceStatus status{.service = std::move(s), .unfinished = {}};
    if (auto it = unfinished.find(status.service.host); it != unfinished.end()) {
      status.unfinished = it->second;
    }
    out.push_back(std::move(status));
  }
  return out;
}

Result<RecoveryReport> ServiceAdmin::Takeover(const std::string& host) {
  if (host.empty() || host.size() > 255) {
    return Status::InvalidArgument("host must be 1 to 255 bytes");
  }
  if (host == identity_.host()) {
    return Status::InvalidArgument("host " + host +
                                   " is this backupd's own: its restart cleanup runs at start; "
                                   "ask another daemon to take it over");
  }
  ASSIGN_OR_RETURN(std::vector<ServiceRecord> services, identity_.ListServices());
  bool known = false;
  for (const ServiceRecord& s : services) known = known || s.host == host;
  if (!known) return Status::NotFound("no backupd has run as host " + host);

  std::lock_guard<std::mutex> one_at_a_time(takeover_mu_);
  BB_LOG(kWarning) << "taking over host " << host;
  RecoveryReport report;
  RETURN_IF_ERROR(identity_.WhileHolding(host, [&]() -> Status {
    ASSIGN_OR_RETURN(report, backups_.RecoverHost(host));
    return Status::Ok();
  }));
  return report;
}

}  // namespace bb
