// ServiceAdminImpl: the gRPC ServiceAdmin (proto/service.proto) over a ServiceAdmin. Every call
// is the operator's (OperatorAuth); ServiceAdmin owns the rules.
// Thread-safety: handlers run concurrently on gRPC's threads; ServiceAdmin is thread-safe and
// outlives this object.
#pragma once

#include "backup_service/auth/api_tokens.h"
#include "backup_service/manager/service_admin.h"
#include "rpc/operator_auth.h"
#include "service.grpc.pb.h"

namespace bb {

class ServiceAdminImpl final : public v1::ServiceAdmin::Service {
 public:
  ServiceAdminImpl(ServiceAdmin& admin, ApiTokens& tokens, const OperatorAuth& auth)
      : admin_(admin), tokens_(tokens), auth_(auth) {}

  grpc::Status ListServices(grpc::ServerContext* context, const v1::ListServicesRequest* request,
                            v1::ListServicesResponse* response) override;
  grpc::Status TakeoverService(grpc::ServerContext* context,
                               const v1::TakeoverServiceRequest* request,
                               v1::RecoveryReport* response) override;
  grpc::Status CreateApiToken(grpc::ServerContext* context,
                              const v1::CreateApiTokenRequest* request,
                              v1::ApiToken* response) override;
  grpc::Status RevokeApiToken(grpc::ServerContext* context,
                              const v1::RevokeApiTokenRequest* request,
                              v1::ApiToken* response) override;
  grpc::Status ListApiTokens(grpc::ServerContext* context, const v1::ListApiTokensRequest* request,
                             v1::ListApiTokensResponse* response) override;

 private:
  ServiceAdmin& admin_;
  ApiTokens& tokens_;
  const OperatorAuth& auth_;
};

}  // namespace bb
