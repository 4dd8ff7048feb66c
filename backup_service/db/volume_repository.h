// VolumeRepository: SQL for volumes and their attachments. Every status change is a
// compare-and-swap (UPDATE ... WHERE id = $1 AND status = $2) with an event row in the same
// transaction; a lost race or a wrong state is FailedPrecondition naming the current status.
// Thread-safety: stateless over Database; safe to use concurrently.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/database.h"
#include "backup_service/model/list_query.h"
#include "backup_service/model/records.h"

namespace bb {

// A change of one attachment row, written in the same transaction as a volume's transition.
struct AttachmentChange {
  enum class Kind { kInsert, kUpdate, kDelete };
  Kind kind = Kind::kUpdate;
  Attachment attachment;  // kInsert: the row; kUpdate: id, status, device; kDelete: id
};

// Columns changed together with a status transition.
struct VolumeChange {
  // Outer optional: change the column; inner nullopt: set it NULL.
  std::optional<std::optional<VolumeStatus>> previous_status;
  std::optional<std::string> provider_location;
  std::optional<std::string> provider_auth;  // a secret
  // Attach and detach move the volume and its attachment in one step, so restart cleanup never
  // has to guess which attachment an attaching/detaching volume was working on.
  std::optional<AttachmentChange> attachment;
};

// Filters of a volume listing (combined with AND); empty members match everything.
struct VolumeFilter {
  std::string project_id{};  // the caller's project; ignored when the page lists all projects
  std::string name{};
  std::string status{};
};

class VolumeRepository {
 public:
  VolumeRepository(Database& db, std::string host) : db_(db), host_(std::move(host)) {}

  Status Insert(const Volume& v, bool is_temporary, const std::string& reason);
  // NotFound when missing, or when project_id is non-empty and differs (no existence leak).
  Result<Volume> Get(const std::string& id, const std::string& project_id = "");
  // One page of user-visible volumes (temporary clones are never listed) in the page's order.
  // InvalidArgument when the marker is not a volume the caller can list.
  Result<Page<Volume>> List(const VolumeFilter& filter, const PageSpec& page);

  Status Transition(const std::string& id, VolumeStatus from, VolumeStatus to,
                    const std::string& reason, const VolumeChange& change = {});
  // from -> deleting, refused while the volume has snapshots (temporary ones of running backups
  // included) or a backup of it is being created or restored into it. Atomic with those checks.
  Status BeginDelete(const std::string& id, VolumeStatus from);
  // Removes the row (must be in `expected` status) and its attachments; writes a final event.
  Status Remove(const std::string& id, VolumeStatus expected, const std::string& reason);
  // Records an export step (provider_location/provider_auth of the change) on a volume that is
  // `expected`, without changing its status: a compare-and-swap on the status with an event row
  // (from = to = expected). The reason must not contain provider_auth.
  Status UpdateExport(const std::string& id, VolumeStatus expected, const std::string& reason,
                      const VolumeChange& change);

  // Volumes of `host` (temporary clones excepted: their backup removes them) in a transitional
  // status that no creating or restoring backup holds: what restart cleanup of the volume
  // operations must finish (state_machine.cc). Oldest first.
  Result<std::vector<Volume>> ListNeedingRecovery(const std::string& host);

  Status InsertAttachment(const Attachment& a);
  Status UpdateAttachment(const std::string& id, AttachmentStatus status,
                          const std::string& device);
  Status DeleteAttachment(const std::string& id);
  Result<std::vector<Attachment>> ListAttachments(const std::string& volume_id);
  // One attachment by id; NotFound when there is none.
  Result<Attachment> GetAttachment(const std::string& attachment_id);
  // The attachments of several volumes in one query (a listed page): volume id -> attachments,
  // oldest first; volumes without attachments are absent.
  Result<std::map<std::string, std::vector<Attachment>>> ListAttachments(
      const std::vector<std::string>& volume_ids);

 private:
  Database& db_;
  std::string host_;
};

}  // namespace bb
