// ServiceAdminImpl: thin handlers. Pattern: operator check -> one ServiceAdmin call -> proto.
#include "rpc/service_admin_impl.h"

#include "rpc/status_mapping.h"

namespace bb {

grpc::Status ServiceAdminImpl::ListServices(grpc::ServerContext* context,
                                            const v1::ListServicesRequest* /*request*/,
                                            v1::ListServicesResponse* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireOperator(*context, "service list"));
    ASSIGN_OR_RETURN(auto services, admin_.ListServices());
    for (const ServiceStatus& s : services) {
      v1::Service* out = response->add_services();
      out->set_host(s.service.host);
      out->set_alive(s.service.alive);
      out->set_pid(s.service.pid);
      out->set_version(s.service.version);
      out->set_started_at_us(s.service.started_at);
      out->set_heartbeat_at_us(s.service.heartbeat_at);
      out->set_heartbeat_age_ms(s.service.heartbeat_age_ms);
      out->set_stopped_at_us(s.service.stopped_at);
      out->set_backups_creating(s.unfinished.creating);
      out->set_backups_restoring(s.unfinished.restoring);
      out->set_backups_deleting(s.unfinished.deleting);
    }
    response->set_answered_by(admin_.host());
    return Status::Ok();
  });
}

grpc::Status ServiceAdminImpl::TakeoverService(grpc::ServerContext* context,
                                               const v1::TakeoverServiceRequest* request,
                                               v1::RecoveryReport* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireOperator(*context, "service takeover"));
    ASSIGN_OR_RETURN(RecoveryReport report, admin_.Takeover(request->host()));
    response->set_host(request->host());
    response->set_recovered_by(admin_.host());
    response->set_backups_failed(report.backups_failed);
    response->set_restores_rolled_back(report.restores_rolled_back);
    response->set_deletes_resumed(report.deletes_resumed);
    response->set_temporaries_removed(report.temporaries_removed);
    response->set_chunks_collected(report.chunks_collected);
    for (const auto& p : report.problems) response->add_problems(p);
    return Status::Ok();
  });
}

namespace {
v1::ApiToken TokenProto(const ApiTokenRow& row) {
  v1::ApiToken out;
  out.set_id(row.id);
  out.set_project_id(row.project_id);
  out.set_role(row.role);
  out.set_description(row.description);
  out.set_created_at_us(row.created_at);
  out.set_revoked_at_us(row.revoked_at);
  return out;
}
}  // namespace

grpc::Status ServiceAdminImpl::CreateApiToken(grpc::ServerContext* context,
                                              const v1::CreateApiTokenRequest* request,
                                              v1::ApiToken* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireOperator(*context, "token create"));
    ASSIGN_OR_RETURN(auto issued,
                     tokens_.Issue(request->project_id(), request->role(), request->description()));
    *response = TokenProto(issued.row);
    response->set_token(issued.token);
    return Status::Ok();
  });
}

grpc::Status ServiceAdminImpl::RevokeApiToken(grpc::ServerContext* context,
                                              const v1::RevokeApiTokenRequest* request,
                                              v1::ApiToken* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireOperator(*context, "token revoke"));
    ASSIGN_OR_RETURN(auto row, tokens_.Revoke(request->id()));
    *response = TokenProto(row);
    return Status::Ok();
  });
}

grpc::Status ServiceAdminImpl::ListApiTokens(grpc::ServerContext* context,
                                             const v1::ListApiTokensRequest* request,
                                             v1::ListApiTokensResponse* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireOperator(*context, "token list"));
    ASSIGN_OR_RETURN(auto rows, tokens_.List(request->project_id()));
    for (const auto& row : rows) *response->add_tokens() = TokenProto(row);
    return Status::Ok();
  });
}

}  // namespace bb
