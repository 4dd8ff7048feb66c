// ServiceAdminImpl: the gRPC ServiceAdmin (proto/service.proto) over a ServiceAdmin. Every call
// is the operator's (OperatorAuth); ServiceAdmin owns the rules.
// Thread-safety: handlers run concurrently on gRPC's threads; ServiceAdmin is thread-safe and
// outlives this object.
#pragma once

#include "backup_service/manager/service_admin.h"
#include "rpc/operator_auth.h"
#include "service.grpc.pb.h"

namespace bb {

class ServiceAdminImpl final : public v1::ServiceAdmin::Service {
 public:
  ServiceAdminImpl(ServiceAdmin& admin, const OperatorAuth& auth) : admin_(admin), auth_(auth) {}

  grpc::Status ListServices(grpc::ServerContext* context, const v1::ListServicesRequest* request,
                            v1::ListServicesResponse* response) override;
  grpc::Status TakeoverService(grpc::ServerContext* context,
                               const v1::TakeoverServiceRequest* request,
                               v1::RecoveryReport* response) override;

 private:
  ServiceAdmin& admin_;
  const OperatorAuth& auth_;
};

}  // namespace bb
