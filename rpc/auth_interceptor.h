// The gRPC server interceptor that authenticates every call (CallAuth, call_auth.h) as soon as
// its metadata has arrived, before any handler runs, and records the verdict for the handlers.
//
// Why an interceptor and not a grpc::AuthMetadataProcessor: a processor is attached to secure
// server credentials and is never called on a plain (non-TLS) port, yet token authentication
// must hold on the default loopback port too; and the interceptor sees the method name, which
// the per-method role table needs. A server interceptor cannot end a call with a status of its
// choosing, so it records the verdict and the handler's first line (project = ProjectOf(call))
// returns it; a call without a verdict is UNAUTHENTICATED, so nothing is served unauthenticated.
// Thread-safety: the factory is shared by all calls; each interceptor belongs to one call.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace bb {

class CallAuth;

// `auth` must outlive the server the factory is registered with.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuthInterceptorFactory(
    CallAuth& auth);

}  // namespace bb
