// /v3/{project}/volumes and /v3/{project}/snapshots: create, list (summary and detail), show,
// delete. One VolumeManager call each; its rules (status checks, force for snapshots of in-use
// volumes, driver capabilities) are the same as over gRPC.
#include "api/json_body.h"
#include "api/list_params.h"
#include "api/route.h"
#include "api/views.h"
#include "api/volume_operations.h"

namespace bb::api {
namespace {

constexpr size_t kMaxText = 255;

// Cinder's create fields that name features we do not have: refused rather than ignored, so a
// caller never believes a volume was made from an image or a backup when it was not.
constexpr std::string_view kUnsupportedVolumeFields[] = {
    "snapshot_id", "source_volid",        "imageRef", "backup_id",
    "volume_type", "consistencygroup_id", "group_id"};

Result<ApiResponse> CreateVolume(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(
      auto body, BodyObject::Parse(r.body, "volume",
                                   {"size", "name", "description", "availability_zone", "metadata",
                                    "multiattach", "snapshot_id", "source_volid", "imageRef",
                                    "backup_id", "volume_type", "consistencygroup_id", "group_id",
                                    "display_name", "display_description", "scheduler_hints"}));
  for (auto field : kUnsupportedVolumeFields) {
    ASSIGN_OR_RETURN(auto given, body.String(field, kMaxText, true));
    if (given) {
      return Status::InvalidArgument("Creating a volume with " + std::string(field) +
                                     " is not supported by this service");
    }
  }
  RETURN_IF_ERROR(body.Require("size"));
  ASSIGN_OR_RETURN(auto size, body.Integer("size", 1, 1 << 20));
  ASSIGN_OR_RETURN(auto name, body.String("name", kMaxText, true));
  if (!name) {
    ASSIGN_OR_RETURN(name, body.String("display_name", kMaxText, true));
  }
  ASSIGN_OR_RETURN(auto description, body.String("description", kMaxText, true));
  if (!description) {
    ASSIGN_OR_RETURN(description, body.String("display_description", kMaxText, true));
  }
  ASSIGN_OR_RETURN(auto multiattach, body.Bool("multiattach"));
  if (multiattach.value_or(false)) {
    return Status::InvalidArgument("multiattach volumes are not supported by this service");
  }
  CreateVolumeParams params{.project_id = r.caller.project_id,
                            .name = name.value_or(""),
                            .description = description.value_or(""),
                            .size_gib = *size};
  ASSIGN_OR_RETURN(auto volume, volumes.CreateVolume(r.credential, params));
  return Json(202, {{"volume", VolumeDetail(r, volume, {})}});
}

Result<ApiResponse> ListVolumes(VolumeOperations& volumes, const ApiRequest& r, bool detail) {
  ASSIGN_OR_RETURN(auto params, ParseListParams(r, {"name", "status"}));
  ListVolumesQuery query{.project_id = r.caller.project_id,
                         .name = params.filters["name"],
                         .status = params.filters["status"],
                         .page = params.page};
  ASSIGN_OR_RETURN(auto page, volumes.ListVolumes(r.credential, query));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& v : page.records) {
    list.push_back(detail ? VolumeDetail(r, v.volume, v.attachments) : VolumeSummary(r, v.volume));
  }
  nlohmann::json out = {{"volumes", list}};
  if (auto links = NextLinks(r, page.next_marker); !links.is_null()) out["volumes_links"] = links;
  if (page.count >= 0) out["count"] = page.count;
  return Json(200, out);
}

Result<ApiResponse> ShowVolume(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto listed,
                   volumes.GetVolume(r.credential, r.lookup_project(), r.path_args[0]));
  return Json(200, {{"volume", VolumeDetail(r, listed.volume, listed.attachments)}});
}

Result<ApiResponse> DeleteVolume(VolumeOperations& volumes, const ApiRequest& r) {
  for (const auto& [key, value] : r.query) {
    if (key == "cascade" || key == "force") {
      return Status::InvalidArgument(key + " delete of volumes is not supported by this service");
    }
  }
  RETURN_IF_ERROR(volumes.DeleteVolume(r.credential, r.lookup_project(), r.path_args[0]));
  return Empty(202);
}

Result<ApiResponse> CreateSnapshot(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto body,
                   BodyObject::Parse(r.body, "snapshot",
                                     {"volume_id", "force", "name", "description", "metadata",
                                      "display_name", "display_description"}));
  RETURN_IF_ERROR(body.Require("volume_id"));
  ASSIGN_OR_RETURN(auto volume_id, body.Uuid("volume_id", false));
  ASSIGN_OR_RETURN(auto force, body.Bool("force"));
  ASSIGN_OR_RETURN(auto name, body.String("name", kMaxText, true));
  if (!name) {
    ASSIGN_OR_RETURN(name, body.String("display_name", kMaxText, true));
  }
  ASSIGN_OR_RETURN(auto description, body.String("description", kMaxText, true));
  if (!description) {
    ASSIGN_OR_RETURN(description, body.String("display_description", kMaxText, true));
  }
  ASSIGN_OR_RETURN(auto metadata, body.Object("metadata", true));
  if (metadata && !metadata->empty()) {
    return Status::InvalidArgument("Snapshot metadata is not supported by this service yet");
  }
  CreateSnapshotParams params{.project_id = r.caller.project_id,
                              .volume_id = *volume_id,
                              .name = name.value_or(""),
                              .description = description.value_or(""),
                              .force = force.value_or(false)};
  ASSIGN_OR_RETURN(auto snapshot, volumes.CreateSnapshot(r.credential, params));
  return Json(202, {{"snapshot", SnapshotDetail(r, snapshot)}});
}

Result<ApiResponse> ListSnapshots(VolumeOperations& volumes, const ApiRequest& r, bool detail) {
  ASSIGN_OR_RETURN(auto params, ParseListParams(r, {"name", "status", "volume_id"}));
  ListSnapshotsQuery query{.project_id = r.caller.project_id,
                           .volume_id = params.filters["volume_id"],
                           .name = params.filters["name"],
                           .status = params.filters["status"],
                           .page = params.page};
  ASSIGN_OR_RETURN(auto page, volumes.ListSnapshots(r.credential, query));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : page.records) {
    list.push_back(detail ? SnapshotDetail(r, s) : SnapshotSummary(r, s));
  }
  nlohmann::json out = {{"snapshots", list}};
  if (auto links = NextLinks(r, page.next_marker); !links.is_null()) {
    out["snapshots_links"] = links;
  }
  if (page.count >= 0) out["count"] = page.count;
  return Json(200, out);
}

Result<ApiResponse> ShowSnapshot(VolumeOperations& volumes, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto snapshot,
                   volumes.GetSnapshot(r.credential, r.lookup_project(), r.path_args[0]));
  return Json(200, {{"snapshot", SnapshotDetail(r, snapshot)}});
}

Result<ApiResponse> DeleteSnapshot(VolumeOperations& volumes, const ApiRequest& r) {
  RETURN_IF_ERROR(volumes.DeleteSnapshot(r.credential, r.lookup_project(), r.path_args[0]));
  return Empty(202);
}

}  // namespace

std::vector<Route> VolumeRoutes(VolumeOperations& v) {
  using R = ApiRole;
  auto bind = [&v](Result<ApiResponse> (*fn)(VolumeOperations&, const ApiRequest&)) {
    return [&v, fn](const ApiRequest& r) { return fn(v, r); };
  };
  return {
      {"POST", "/volumes", R::kMember, kMinApiVersion, bind(CreateVolume)},
      {"GET", "/volumes", R::kReader, kMinApiVersion,
       [&v](const ApiRequest& r) { return ListVolumes(v, r, false); }},
      {"GET", "/volumes/detail", R::kReader, kMinApiVersion,
       [&v](const ApiRequest& r) { return ListVolumes(v, r, true); }},
      {"GET", "/volumes/([^/]+)", R::kReader, kMinApiVersion, bind(ShowVolume)},
      {"DELETE", "/volumes/([^/]+)", R::kMember, kMinApiVersion, bind(DeleteVolume)},
  };
}

std::vector<Route> SnapshotRoutes(VolumeOperations& v) {
  using R = ApiRole;
  auto bind = [&v](Result<ApiResponse> (*fn)(VolumeOperations&, const ApiRequest&)) {
    return [&v, fn](const ApiRequest& r) { return fn(v, r); };
  };
  return {
      {"POST", "/snapshots", R::kMember, kMinApiVersion, bind(CreateSnapshot)},
      {"GET", "/snapshots", R::kReader, kMinApiVersion,
       [&v](const ApiRequest& r) { return ListSnapshots(v, r, false); }},
      {"GET", "/snapshots/detail", R::kReader, kMinApiVersion,
       [&v](const ApiRequest& r) { return ListSnapshots(v, r, true); }},
      {"GET", "/snapshots/([^/]+)", R::kReader, kMinApiVersion, bind(ShowSnapshot)},
      {"DELETE", "/snapshots/([^/]+)", R::kMember, kMinApiVersion, bind(DeleteSnapshot)},
  };
}

}  // namespace bb::api
