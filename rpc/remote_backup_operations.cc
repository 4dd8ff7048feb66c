// RemoteBackupOperations: the REST API's backup side as BackupService calls
// (remote_api_operations.h). As for volumes, the project arguments of record lookups are not
// sent: the service acts in the forwarded token's project; quota calls name their target
// project, which the service checks against the token as the REST API does.
#include "backup.grpc.pb.h"
#include "rpc/client_credentials.h"
#include "rpc/record_conversion.h"
#include "rpc/remote_api_operations.h"
#include "rpc/remote_call.h"

namespace bb {
namespace {

using Stub = v1::BackupService::Stub;

}  // namespace

struct RemoteBackupOperations::Impl {
  std::string address;
  std::unique_ptr<Stub> stub;

  template <typename Method, typename Request, typename Response>
  Status Call(Method method, const Who& who, const Request& request, Response* response) {
    return CallAs(*stub, method, who, address, request, response);
  }
};

RemoteBackupOperations::RemoteBackupOperations(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
RemoteBackupOperations::~RemoteBackupOperations() = default;

Result<std::unique_ptr<RemoteBackupOperations>> RemoteBackupOperations::Connect(
    const std::string& address, const ClientTlsFiles& tls) {
  ASSIGN_OR_RETURN(auto credentials, ClientChannelCredentials(tls));
  auto impl = std::make_unique<Impl>();
  impl->address = address;
  impl->stub = v1::BackupService::NewStub(grpc::CreateChannel(address, credentials));
  return std::unique_ptr<RemoteBackupOperations>(new RemoteBackupOperations(std::move(impl)));
}

Status RemoteBackupOperations::CheckChecksTokens() {
  v1::ListBackupsRequest request;
  request.mutable_page()->set_limit(1);
  v1::ListBackupsResponse response;
  Status answer = impl_->Call(&Stub::ListBackups, Who{.token = ""}, request, &response);
  return ExpectTokenRefused(answer, "backup service", impl_->address);
}

Result<Backup> RemoteBackupOperations::CreateBackup(const Who& who, const CreateBackupParams& p) {
  v1::CreateBackupRequest request;
  request.set_volume_id(p.volume_id);
  request.set_name(p.name);
  request.set_description(p.description);
  request.set_force(p.force);
  request.set_incremental(p.incremental);
  request.set_snapshot_id(p.snapshot_id);
  request.set_container(p.container);
  v1::Backup response;
  // Over quota: Cinder's message as the REST API gives it, without gRPC's hint.
  RETURN_IF_ERROR(WithoutQuotaHint(impl_->Call(&Stub::CreateBackup, who, request, &response)));
  return FromProto(response);
}

Result<Backup> RemoteBackupOperations::GetBackup(const Who& who, const std::string&,
                                                 const std::string& backup_id) {
  v1::GetBackupRequest request;
  request.set_backup_id(backup_id);
  v1::Backup response;
  RETURN_IF_ERROR(impl_->Call(&Stub::GetBackup, who, request, &response));
  return FromProto(response);
}

Result<Page<Backup>> RemoteBackupOperations::ListBackups(const Who& who,
                                                         const ListBackupsQuery& q) {
  v1::ListBackupsRequest request;
  request.set_volume_id(q.volume_id);
  request.set_name(q.name);
  request.set_status(q.status);
  *request.mutable_page() = ToProto(q.page);
  v1::ListBackupsResponse response;
  RETURN_IF_ERROR(impl_->Call(&Stub::ListBackups, who, request, &response));
  Page<Backup> page{.next_marker = response.page().next_marker(),
                    .count = response.page().count(),
                    .limit = response.page().limit()};
  for (const auto& b : response.backups()) {
    ASSIGN_OR_RETURN(auto backup, FromProto(b));
    page.records.push_back(std::move(backup));
  }
  return page;
}

Status RemoteBackupOperations::DeleteBackup(const Who& who, const std::string&,
                                            const std::string& backup_id, bool force) {
  v1::DeleteBackupRequest request;
  request.set_backup_id(backup_id);
  request.set_force(force);
  v1::Backup response;
  return impl_->Call(&Stub::DeleteBackup, who, request, &response);
}

Result<api::RestoreAccepted> RemoteBackupOperations::RestoreBackup(const Who& who,
                                                                   const RestoreParams& p) {
  v1::RestoreBackupRequest request;
  request.set_backup_id(p.backup_id);
  request.set_volume_id(p.volume_id);
  request.set_name(p.name);
  v1::RestoreBackupResponse response;
  RETURN_IF_ERROR(impl_->Call(&Stub::RestoreBackup, who, request, &response));
  return api::RestoreAccepted{.backup_id = response.backup_id(),
                              .volume_id = response.volume_id(),
                              .volume_name = response.volume_name()};
}

Result<Backup> RemoteBackupOperations::UpdateBackup(const Who& who, const std::string&,
                                                    const std::string& backup_id,
                                                    const std::optional<std::string>& name,
                                                    const std::optional<std::string>& description) {
  v1::UpdateBackupRequest request;
  request.set_backup_id(backup_id);
  if (name) request.set_name(*name);
  if (description) request.set_description(*description);
  v1::Backup response;
  RETURN_IF_ERROR(impl_->Call(&Stub::UpdateBackup, who, request, &response));
  return FromProto(response);
}

Result<BackupRecordWire> RemoteBackupOperations::ExportBackupRecord(const Who& who,
                                                                    const std::string&,
                                                                    const std::string& backup_id) {
  v1::ExportBackupRecordRequest request;
  request.set_backup_id(backup_id);
  v1::BackupRecord response;
  RETURN_IF_ERROR(impl_->Call(&Stub::ExportBackupRecord, who, request, &response));
  return BackupRecordWire{.backup_service = response.backup_service(),
                          .backup_url = response.backup_url()};
}

Result<Backup> RemoteBackupOperations::ImportBackupRecord(const Who& who, const std::string&,
                                                          const BackupRecordWire& record) {
  v1::ImportBackupRecordRequest request;
  request.mutable_record()->set_backup_service(record.backup_service);
  request.mutable_record()->set_backup_url(record.backup_url);
  v1::Backup response;
  RETURN_IF_ERROR(
      WithoutQuotaHint(impl_->Call(&Stub::ImportBackupRecord, who, request, &response)));
  return FromProto(response);
}

Status RemoteBackupOperations::ResetBackupStatus(const Who& who, const std::string& backup_id,
                                                 const std::string& status) {
  v1::ResetBackupStatusRequest request;
  request.set_backup_id(backup_id);
  request.set_status(status);
  v1::Backup response;
  return impl_->Call(&Stub::ResetBackupStatus, who, request, &response);
}

Result<ProjectQuota> RemoteBackupOperations::GetQuota(const Who& who,
                                                      const std::string& project_id) {
  v1::ProjectQuotaRequest request;
  request.set_project_id(project_id);
  v1::ProjectQuota response;
  RETURN_IF_ERROR(impl_->Call(&Stub::GetQuota, who, request, &response));
  return FromProto(response);
}

Result<ProjectQuota> RemoteBackupOperations::UpdateQuota(const Who& who,
                                                         const std::string& project_id,
                                                         const QuotaUpdate& update) {
  v1::UpdateQuotaRequest request;
  request.set_project_id(project_id);
  if (update.backups) request.set_backups(*update.backups);
  if (update.backup_gigabytes) request.set_backup_gigabytes(*update.backup_gigabytes);
  v1::ProjectQuota response;
  RETURN_IF_ERROR(impl_->Call(&Stub::UpdateQuota, who, request, &response));
  return FromProto(response);
}

Status RemoteBackupOperations::ResetQuota(const Who& who, const std::string& project_id) {
  v1::ProjectQuotaRequest request;
  request.set_project_id(project_id);
  v1::ResetQuotaResponse response;
  return impl_->Call(&Stub::ResetQuota, who, request, &response);
}

Result<QuotaLimits> RemoteBackupOperations::DefaultQuota(const Who& who) {
  v1::QuotaSet response;
  RETURN_IF_ERROR(impl_->Call(&Stub::GetDefaultQuota, who, v1::ProjectQuotaRequest(), &response));
  return FromProto(response);
}

}  // namespace bb
