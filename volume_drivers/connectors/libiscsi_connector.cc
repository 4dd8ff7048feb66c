// LibiscsiConnector: "iscsi" connections through libiscsi; see libiscsi_connector.h.
#include "volume_drivers/connectors/libiscsi_connector.h"

namespace bb {

LibiscsiConnector::LibiscsiConnector(LibiscsiOptions options) : options_(std::move(options)) {}

Result<std::string> LibiscsiConnector::Connect(const ConnectionInfo& info) {
  ASSIGN_OR_RETURN(IscsiTargetAddress address, IscsiAddressFromInfo(info));
  ASSIGN_OR_RETURN(std::unique_ptr<BlockDevice> probe,
                   LibiscsiBlockDevice::Open(address, options_, AccessMode::kReadOnly));
  RETURN_IF_ERROR(probe->Close());
  return address.Url();
}

Status LibiscsiConnector::Disconnect(const ConnectionInfo& info, const std::string& /*device*/) {
  return IscsiAddressFromInfo(info).status();
}

Status LibiscsiConnector::Flush(const std::string& /*device*/) { return Status::Ok(); }

Result<std::vector<std::string>> LibiscsiConnector::Devices(const ConnectionInfo& info) {
  RETURN_IF_ERROR(IscsiAddressFromInfo(info).status());
  return std::vector<std::string>{};
}

Result<std::unique_ptr<BlockDevice>> LibiscsiConnector::Open(const ConnectionInfo& info,
                                                             const std::string& device,
                                                             AccessMode mode) {
  ASSIGN_OR_RETURN(IscsiTargetAddress address, IscsiAddressFromInfo(info));
  if (device != address.Url()) {
    return Status::InvalidArgument("device \"" + device +
                                   "\" is not the one Connect returned for " + address.Url());
  }
  return LibiscsiBlockDevice::Open(address, options_, mode);
}

}  // namespace bb
