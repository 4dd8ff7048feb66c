// Connector: the host side of an attachment (os-brick's role). Given the ConnectionInfo a driver
// returned, it makes a block device appear on this host and removes it again.
//
// Connect returns the device: a path, or for a connector without a device node (libiscsi) a name
// that Open resolves. Disconnect flushes the device and removes it; it is idempotent
// (OK when the device is already gone). Flush makes every write acknowledged on the device durable
// in the backing store, so that a snapshot taken afterwards contains it (crash consistency).
// Devices lists what is connected for `info` on this host now, whoever connected it: restart
// cleanup uses it to find a device that a crash left before its path was recorded.
// Open gives the data path a handle on the connected device (block_device.h): the backup reads
// through it, the restore writes through it. `device` is what Connect returned. The default opens
// it as a path (FileBlockDevice); a connector whose device is not a path (libiscsi) overrides it.
// Close the handle before Disconnect.
// Thread-safety: concurrent calls for different volumes are allowed.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"
#include "volume_drivers/connectors/block_device.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

class Connector {
 public:
  virtual ~Connector() = default;
  virtual Result<std::string> Connect(const ConnectionInfo& info) = 0;
  virtual Status Disconnect(const ConnectionInfo& info, const std::string& device) = 0;
  virtual Status Flush(const std::string& device) = 0;
  virtual Result<std::vector<std::string>> Devices(const ConnectionInfo& info) = 0;
  virtual Result<std::unique_ptr<BlockDevice>> Open(const ConnectionInfo& info,
                                                    const std::string& device, AccessMode mode);
};

// The host's side of the configuration that picks and sets up connectors.
struct ConnectorOptions {
  // This host's iSCSI initiator name (an IQN); "iscsi" connections need it.
  std::string initiator_name;
  // How "iscsi" connections are made: "libiscsi" (the userspace initiator, no kernel module, no
  // /dev node) or "iscsiadm" (open-iscsi's kernel initiator: needs iscsid and the iscsi_tcp
  // module, gives a /dev/disk/by-path node).
  std::string iscsi_initiator = "libiscsi";
  // A command that gets no answer fails after this (libiscsi); I/O on a lost session fails after
  // this (iscsiadm: node.session.timeo.replacement_timeout).
  std::chrono::seconds iscsi_io_timeout{30};
  // iscsiadm: how long to wait for udev's /dev/disk/by-path link after the login.
  std::chrono::seconds iscsi_device_timeout{20};
  // iscsiadm: ask the portal (sendtargets, nothing stored) whether it offers the target before
  // creating the node record; off: a static node record from the connection info (os-brick's
  // single-path default).
  bool iscsi_sendtargets_discovery = false;
  // iscsiadm: node.session.initial_login_retry_max of the node records it writes; 0 keeps
  // iscsid.conf's (Debian: 8 retries of 15 s each for a login that gets no answer).
  int iscsi_login_retry_max = 0;
};

// The connection types CreateConnector knows, for messages: "local, local_file, iscsi".
std::string KnownConnectorTypes();

// "local" -> LocalConnector (a path on this host, no attach); "local_file" -> the loop connector
// (losetup --direct-io=on); "iscsi" -> the initiator that `options.iscsi_initiator` names
// (libiscsi or iscsiadm). NotFound naming the known types for an unknown type; InvalidArgument
// when the options lack what the type needs (an iscsi connector without an initiator name, an
// unknown iscsi_initiator).
Result<std::unique_ptr<Connector>> CreateConnector(const std::string& driver_volume_type,
                                                   CommandRunner& runner,
                                                   const ConnectorOptions& options = {});

}  // namespace bb
