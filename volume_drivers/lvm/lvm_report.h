// Parsers for LVM's command output (LVM 2.03, LC_ALL=C): the JSON reports of `lvs`/`vgs` run with
// `--reportformat json --units b --nosuffix`, the error messages on stderr mapped to Status codes,
// and thin_delta's XML (changed ranges between two thin snapshots). Pure functions: the captured
// real outputs in tests/testdata/lvm/ are their test cases.
// Thread-safety: every function is reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup_service/common/command_runner.h"
#include "backup_service/common/result.h"
#include "volume_drivers/volume_driver.h"  // ByteRange

namespace bb::lvm {

// The `-o` fields the driver asks `lvs` for (kLvsFields) and reads back.
struct LvInfo {
  std::string name;
  std::string vg;
  int64_t size_bytes = 0;
  std::string attr;     // lv_attr, e.g. "owi-a-s---", "Vwi---tz-k"
  bool active = false;  // lv_active == "active"
  std::string pool_lv;  // thin pool of a thin LV
  std::string origin;   // origin of a snapshot (thick or thin)
  std::string path;     // /dev/<vg>/<lv>
  std::string segtype;  // linear, thin, thin-pool...
  bool open = false;    // lv_device_open == "open"
  int64_t thin_id = -1;
  int64_t chunk_size_bytes = 0;

  bool is_thin() const { return segtype == "thin"; }
  bool is_thin_pool() const { return segtype == "thin-pool"; }
  // A COW (thick) snapshot whose exception store filled up: it reads as I/O errors (attr 'I').
  bool is_invalid_snapshot() const { return attr.size() > 4 && attr[4] == 'I'; }
  // Thin snapshots are created with the activation-skip flag (attr 'k'): `-ay` alone ignores them.
  bool skips_activation() const { return attr.size() > 9 && attr[9] == 'k'; }
};

struct VgInfo {
  std::string name;
  int64_t size_bytes = 0;
  int64_t free_bytes = 0;
  int64_t extent_size_bytes = 0;
};

inline constexpr const char* kLvsFields =
    "lv_name,vg_name,lv_size,lv_attr,lv_active,pool_lv,origin,lv_path,segtype,lv_device_open,"
    "thin_id,chunk_size";
inline constexpr const char* kVgsFields = "vg_name,vg_size,vg_free,vg_extent_size";

// InvalidArgument when the text is not an LVM JSON report or a size is not a number.
Result<std::vector<LvInfo>> ParseLvsReport(const std::string& json);
Result<std::vector<VgInfo>> ParseVgsReport(const std::string& json);

// The Status for a failed lvm command (exit code != 0), from its stderr:
//   NotFound "volume group X not found" / "logical volume X/Y not found",
//   ResourceExhausted "volume group X has N bytes free, needs M" (extent_size_bytes > 0; extents
//   otherwise), AlreadyExists "logical volume Y already exists in volume group X",
//   Unavailable "logical volume X/Y is in use (open); retry once it is closed",
//   Internal with the command line and stderr for anything else.
Status MapLvmError(const std::vector<std::string>& argv, const CommandResult& result,
                   int64_t extent_size_bytes = 0);

// thin_delta (thin-provisioning-tools 0.9, `-m --snap1 A --snap2 B`): the ranges whose data differs
// between the two thin devices ("different", "left_only", "right_only"), in bytes (blocks times
// data_block_size sectors of 512 bytes), adjacent ranges merged. InvalidArgument on other text.
Result<std::vector<ByteRange>> ParseThinDelta(const std::string& xml);

// thin_dump (thin-provisioning-tools 0.9, `-m --dev-id N`): the ranges thin device `dev_id` maps
// (<range_mapping origin_begin= length=/>, <single_mapping origin_block=/>), in bytes, sorted
// and merged. NotFound when the output has no <device dev_id="N"> (thin_dump prints an empty
// superblock, exit 0, for an id the pool lacks: that must never read as "nothing allocated");
// InvalidArgument on other text.
Result<std::vector<ByteRange>> ParseThinDump(const std::string& xml, int64_t dev_id);

}  // namespace bb::lvm
