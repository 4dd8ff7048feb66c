// RemoteVolumeHost: the VolumeHost of a backup-role backupd: every call is an RPC to the
// volume-role backupd's internal VolumeHostService (proto/volume_host.proto), carrying the
// operator token. The volume host's answers come back with their codes and messages unchanged;
// when it cannot be reached (or does not answer within the call's deadline) the answer is
// UNAVAILABLE / DEADLINE_EXCEEDED naming the address. Local paths are refused without a call
// (FAILED_PRECONDITION): they are on the volume host, and role backup always attaches through an
// export. The header is free of gRPC types (cmd/backupd includes it).
// Thread-safety: all methods may be called concurrently (one shared channel).
#pragma once

#include <memory>
#include <string>

#include "backup_service/manager/volume_host.h"

namespace bb {

class RemoteVolumeHost final : public VolumeHost {
 public:
  // address: "HOST:PORT" of the volume-role backupd; operator_token: the token its
  // operator_token_file holds; runner: this process's runner (for the connectors). No call is
  // made here (the channel connects on first use).
  RemoteVolumeHost(const std::string& address, std::string operator_token, CommandRunner& runner);
  ~RemoteVolumeHost() override;

  const std::string& address() const;

  Result<Volume> GetVolume(const std::string& project_id, const std::string& volume_id) override;
  Result<Snapshot> GetSnapshot(const std::string& project_id,
                               const std::string& snapshot_id) override;
  // Asked once; later calls answer from the cache.
  Result<DriverCapabilities> Capabilities() override;
  CommandRunner& runner() override;
  Result<Snapshot> CreateTemporarySnapshot(const Volume& volume, const std::string& snapshot_id,
                                           const std::string& backup_id) override;
  Result<Volume> CreateTemporaryClone(const Volume& volume, const std::string& clone_id,
                                      const std::string& backup_id) override;
  Status DeleteTemporarySnapshot(const std::string& snapshot_id) override;
  Status DeleteTemporaryVolume(const std::string& volume_id) override;
  Result<ConnectionInfo> ExportSnapshot(const std::string& snapshot_id,
                                        const ConnectorProperties& connector) override;
  Status UnexportSnapshot(const std::string& snapshot_id,
                          const ConnectorProperties& connector) override;
  Result<ConnectionInfo> ExportVolume(const std::string& volume_id,
                                      const ConnectorProperties& connector) override;
  Status UnexportVolume(const std::string& volume_id,
                        const ConnectorProperties& connector) override;
  Result<std::string> VolumeLocalPath(const Volume& volume) override;
  Result<std::string> SnapshotLocalPath(const Snapshot& snapshot) override;
  Result<Volume> CreateVolumeForRestore(const CreateVolumeParams& p) override;
  Result<ExtentReport> ChangedExtents(const std::string& base_snapshot_id,
                                      const std::string& snapshot_id) override;
  Result<ExtentReport> AllocatedExtents(const std::string& snapshot_id) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bb
