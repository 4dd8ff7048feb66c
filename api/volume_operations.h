// VolumeOperations: what the REST handlers ask of the volume side (volumes, snapshots,
// attachments). Two implementations: the VolumeManager in this process (role all, role volume's
// routes; api/local_operations.h) and gRPC calls to the daemon that owns the volumes (role api;
// rpc/remote_api_operations.h). Every method takes the caller's credential: the in-process one
// ignores it (the server has already authenticated the request), the remote one forwards it, so
// the owning daemon authenticates the same token again and acts with exactly its rights.
// Errors are the owner's Status, code and message unchanged.
// Thread-safety: implementations may be called concurrently.
#pragma once

#include <string>
#include <vector>

#include "api/authenticator.h"
#include "backup_service/common/result.h"
#include "backup_service/model/list_query.h"
#include "backup_service/model/records.h"
#include "backup_service/volume_manager/volume_manager.h"

namespace bb::api {

class VolumeOperations {
 public:
  virtual ~VolumeOperations() = default;
  using Who = CallCredential;

  virtual Result<Volume> CreateVolume(const Who& who, const CreateVolumeParams& p) = 0;
  // The volume with its attachments. project_id "" = any project (an admin's lookup).
  virtual Result<ListedVolume> GetVolume(const Who& who, const std::string& project_id,
                                         const std::string& volume_id) = 0;
  virtual Result<Page<ListedVolume>> ListVolumes(const Who& who, const ListVolumesQuery& q) = 0;
  virtual Status DeleteVolume(const Who& who, const std::string& project_id,
                              const std::string& volume_id) = 0;

  virtual Result<Attachment> AttachVolume(const Who& who, const std::string& project_id,
                                          const std::string& volume_id,
                                          const std::string& instance_uuid) = 0;
  // The volume after the detach, with its remaining attachments.
  virtual Result<ListedVolume> DetachVolume(const Who& who, const std::string& project_id,
                                            const std::string& volume_id,
                                            const std::string& attachment_id) = 0;
  virtual Result<Attachment> GetAttachment(const Who& who, const std::string& project_id,
                                           const std::string& attachment_id) = 0;

  virtual Result<Snapshot> CreateSnapshot(const Who& who, const CreateSnapshotParams& p) = 0;
  virtual Result<Snapshot> GetSnapshot(const Who& who, const std::string& project_id,
                                       const std::string& snapshot_id) = 0;
  virtual Result<Page<Snapshot>> ListSnapshots(const Who& who, const ListSnapshotsQuery& q) = 0;
  virtual Status DeleteSnapshot(const Who& who, const std::string& project_id,
                                const std::string& snapshot_id) = 0;
};

}  // namespace bb::api
