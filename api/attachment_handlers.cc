// /v3/{project}/attachments (3.27+): create with an instance and a connector, list, show, complete
// (3.44+), delete. The attach and detach are VolumeManager's, as over gRPC: the volume is attached
// on this daemon's host (a loop device for the file driver), so connection_info is the "local"
// type with the device path. An attachment without a connector (Cinder's reservation) and
// read-only attachments are refused with 400, not pretended.
#include "api/json_body.h"
#include "api/route.h"
#include "api/views.h"
#include "api/volume_operations.h"

namespace bb::api {
namespace {

constexpr ApiVersion kAttachmentsVersion{3, 27};
constexpr ApiVersion kCompleteVersion{3, 44};

Result<ApiResponse> Create(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto body,
                   BodyObject::Parse(r.body, "attachment",
                                     {"volume_uuid", "instance_uuid", "connector", "mode"}));
  RETURN_IF_ERROR(body.Require("volume_uuid"));
  ASSIGN_OR_RETURN(auto volume_id, body.Uuid("volume_uuid", false));
  ASSIGN_OR_RETURN(auto instance, body.Uuid("instance_uuid", true));
  ASSIGN_OR_RETURN(auto connector, body.Object("connector", true));
  ASSIGN_OR_RETURN(auto mode, body.String("mode", 16, true));
  if (mode && *mode != "rw" && *mode != "ro") {
    return Status::InvalidArgument(
        "Invalid input for field/attribute attachment/mode. "
        "It must be one of ['rw', 'ro']");
  }
  if (mode && *mode == "ro") {
    return Status::InvalidArgument("read-only attachments are not supported by this service");
  }
  if (!instance) {
    return Status::InvalidArgument(
        "Invalid input for field/attribute attachment/instance_uuid. An attachment needs the "
        "instance it is for");
  }
  if (!connector) {
    return Status::InvalidArgument(
        "An attachment without a connector (a reservation) is not supported by this service: "
        "give the connector");
  }
  ASSIGN_OR_RETURN(auto made,
                   volumes.AttachVolume(r.credential, r.caller.project_id, *volume_id, *instance));
  // Read back for the stored times (attached_at).
  ASSIGN_OR_RETURN(auto attachment,
                   volumes.GetAttachment(r.credential, r.caller.project_id, made.id));
  return Json(200, {{"attachment", AttachmentView(attachment)}});
}

// GET /attachments[/detail]: the caller's attachments, read through its volumes (every page).
// Filters volume_id and instance_id; no paging of its own (a project's attachments are few).
Result<ApiResponse> List(VolumeOperations& volumes, const ApiRequest& r) {
  std::string volume_id, instance_id;
  for (const auto& [key, value] : r.query) {
    if (key == "volume_id") {
      volume_id = value;
    } else if (key == "instance_id") {
      instance_id = value;
    } else if (key != "all_tenants" || !r.is_admin()) {
      return Status::InvalidArgument("Invalid filters " + key.substr(0, 64) +
                                     " are found in query options.");
    }
  }
  ListVolumesQuery query{.project_id = r.caller.project_id};
  query.page.all_projects = r.query.count("all_tenants") > 0;
  nlohmann::json list = nlohmann::json::array();
  do {
    ASSIGN_OR_RETURN(auto page, volumes.ListVolumes(r.credential, query));
    for (const auto& listed : page.records) {
      if (!volume_id.empty() && listed.volume.id != volume_id) continue;
      for (const auto& a : listed.attachments) {
        if (a.instance_uuid.empty()) continue;  // the backup host's own, not a user's
        if (!instance_id.empty() && a.instance_uuid != instance_id) continue;
        list.push_back(AttachmentView(a));
      }
    }
    query.page.marker = page.next_marker;
  } while (!query.page.marker.empty());
  return Json(200, {{"attachments", list}});
}

Result<ApiResponse> Show(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto attachment,
                   volumes.GetAttachment(r.credential, r.lookup_project(), r.path_args[0]));
  return Json(200, {{"attachment", AttachmentView(attachment)}});
}

// os-complete: the attach is complete when AttachVolume returns (the volume is in-use), so this
// only checks that the attachment is the caller's and live.
Result<ApiResponse> Action(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto action, ParseActionBody(r.body));
  if (action.first != "os-complete") {
    return Status::InvalidArgument("There is no such action: " + action.first.substr(0, 64));
  }
  RETURN_IF_ERROR(RequireVersion(r, kCompleteVersion));
  ASSIGN_OR_RETURN(auto attachment,
                   volumes.GetAttachment(r.credential, r.lookup_project(), r.path_args[0]));
  if (attachment.status != AttachmentStatus::kAttached) {
    return Status::FailedPrecondition("attachment " + attachment.id + " is " +
                                      std::string(ToString(attachment.status)));
  }
  return Empty(204);
}

Result<ApiResponse> Delete(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto attachment,
                   volumes.GetAttachment(r.credential, r.lookup_project(), r.path_args[0]));
  ASSIGN_OR_RETURN(auto volume, volumes.DetachVolume(r.credential, r.lookup_project(),
                                                     attachment.volume_id, attachment.id));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : volume.attachments) list.push_back(AttachmentView(a));
  return Json(200, {{"attachments", list}});
}

}  // namespace

std::vector<Route> AttachmentRoutes(VolumeOperations& v) {
  using R = ApiRole;
  auto bind = [&v](Result<ApiResponse> (*fn)(VolumeOperations&, const ApiRequest&)) {
    return [&v, fn](const ApiRequest& r) { return fn(v, r); };
  };
  return {
      {"POST", "/attachments", R::kMember, kAttachmentsVersion, bind(Create)},
      {"GET", "/attachments", R::kReader, kAttachmentsVersion, bind(List)},
      {"GET", "/attachments/detail", R::kReader, kAttachmentsVersion, bind(List)},
      {"GET", "/attachments/([^/]+)", R::kReader, kAttachmentsVersion, bind(Show)},
      {"POST", "/attachments/([^/]+)/action", R::kMember, kAttachmentsVersion, bind(Action)},
      {"DELETE", "/attachments/([^/]+)", R::kMember, kAttachmentsVersion, bind(Delete)},
  };
}

}  // namespace bb::api
