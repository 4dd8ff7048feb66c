// AuthInterceptor: authenticate at POST_RECV_INITIAL_METADATA, forget at the call's end.
#include "rpc/auth_interceptor.h"

#include "rpc/call_auth.h"

namespace bb {
namespace {

using grpc::experimental::InterceptionHookPoints;

class AuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(CallAuth& auth, grpc::experimental::ServerRpcInfo* info)
      : auth_(auth), call_(info->server_context()), method_(info->method()) {}
  // The interceptor lives as long as the call's context: the verdict goes with it.
  ~AuthInterceptor() override { auth_.Forget(call_); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auth_.Record(call_, auth_.Authenticate(*methods->GetRecvInitialMetadata(), method_));
    }
    methods->Proceed();
  }

 private:
  CallAuth& auth_;
  const grpc::ServerContextBase* call_;
  std::string method_;
};

class AuthInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuthInterceptorFactory(CallAuth& auth) : auth_(auth) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new AuthInterceptor(auth_, info);  // gRPC owns and deletes it
  }

 private:
  CallAuth& auth_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuthInterceptorFactory(
    CallAuth& auth) {
  return std::make_unique<AuthInterceptorFactory>(auth);
}

}  // namespace bb
