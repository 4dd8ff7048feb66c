// Parsers for LVM command output; see lvm_report.h.
#include "volume_drivers/lvm/lvm_report.h"

#include <charconv>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "volume_drivers/extent_ranges.h"

namespace bb::lvm {
namespace {

using nlohmann::json;

Result<int64_t> ParseInt(const std::string& field, const std::string& text) {
  if (text.empty()) return int64_t{0};
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("lvm report field " + field + " is not a number: \"" + text +
                                   "\"");
  }
  return v;
}

// The rows of report[0][kind] ("lv" or "vg"); every value is a string.
Result<std::vector<std::map<std::string, std::string>>> ReportRows(const std::string& text,
                                                                   const std::string& kind) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("report") ||
      !doc["report"].is_array()) {
    return Status::InvalidArgument("not an LVM JSON report (--reportformat json)");
  }
  std::vector<std::map<std::string, std::string>> rows;
  for (const json& part : doc["report"]) {
    if (!part.is_object() || !part.contains(kind)) continue;
    for (const json& row : part[kind]) {
      if (!row.is_object()) return Status::InvalidArgument("LVM report row is not an object");
      std::map<std::string, std::string> fields;
      for (const auto& [k, v] : row.items()) {
        if (!v.is_string()) return Status::InvalidArgument("LVM report field " + k + " not text");
        fields[k] = v.get<std::string>();
      }
      rows.push_back(std::move(fields));
    }
  }
  return rows;
}

std::string Get(const std::map<std::string, std::string>& row, const std::string& key) {
  auto it = row.find(key);
  return it == row.end() ? "" : it->second;
}

bool Search(const std::string& text, const std::regex& re, std::smatch& m) {
  return std::regex_search(text, m, re);
}

}  // namespace

Result<std::vector<LvInfo>> ParseLvsReport(const std::string& text) {
  ASSIGN_OR_RETURN(auto rows, ReportRows(text, "lv"));
  std::vector<LvInfo> lvs;
  for (const auto& row : rows) {
    LvInfo lv;
    lv.name = Get(row, "lv_name");
    lv.vg = Get(row, "vg_name");
    ASSIGN_OR_RETURN(lv.size_bytes, ParseInt("lv_size", Get(row, "lv_size")));
    lv.attr = Get(row, "lv_attr");
    lv.active = Get(row, "lv_active") == "active";
    lv.pool_lv = Get(row, "pool_lv");
    lv.origin = Get(row, "origin");
    lv.path = Get(row, "lv_path");
    lv.segtype = Get(row, "segtype");
    lv.open = Get(row, "lv_device_open") == "open";
    std::string thin_id = Get(row, "thin_id");
    if (!thin_id.empty()) {
      ASSIGN_OR_RETURN(lv.thin_id, ParseInt("thin_id", thin_id));
    }
    ASSIGN_OR_RETURN(lv.chunk_size_bytes, ParseInt("chunk_size", Get(row, "chunk_size")));
    lvs.push_back(std::move(lv));
  }
  return lvs;
}

Result<std::vector<VgInfo>> ParseVgsReport(const std::string& text) {
  ASSIGN_OR_RETURN(auto rows, ReportRows(text, "vg"));
  std::vector<VgInfo> vgs;
  for (const auto& row : rows) {
    VgInfo vg;
    vg.name = Get(row, "vg_name");
    ASSIGN_OR_RETURN(vg.size_bytes, ParseInt("vg_size", Get(row, "vg_size")));
    ASSIGN_OR_RETURN(vg.free_bytes, ParseInt("vg_free", Get(row, "vg_free")));
    ASSIGN_OR_RETURN(vg.extent_size_bytes, ParseInt("vg_extent_size", Get(row, "vg_extent_size")));
    vgs.push_back(std::move(vg));
  }
  return vgs;
}

Status MapLvmError(const std::vector<std::string>& argv, const CommandResult& result,
                   int64_t extent_size_bytes) {
  static const std::regex kVgMissing(R"re(Volume group "([^"]+)" not found)re");
  static const std::regex kVgFull(
      R"re(Volume group "([^"]+)" has insufficient free space \((\d+) extents\): (\d+) required)re");
  static const std::regex kExists(
      R"re(Logical Volume "([^"]+)" already exists in volume group "([^"]+)")re");
  static const std::regex kBusy(R"re(Logical volume (\S+) in use)re");
  static const std::regex kLvMissing(R"re(Failed to find logical volume "([^"]+)")re");
  const std::string& err = result.err;
  std::smatch m;
  if (Search(err, kVgMissing, m)) {
    return Status::NotFound("volume group " + m[1].str() + " not found");
  }
  if (Search(err, kVgFull, m)) {
    int64_t free = std::stoll(m[2].str());
    int64_t need = std::stoll(m[3].str());
    if (extent_size_bytes > 0) {
      return Status::ResourceExhausted(
          "volume group " + m[1].str() + " has " + std::to_string(free * extent_size_bytes) +
          " bytes free, needs " + std::to_string(need * extent_size_bytes));
    }
    return Status::ResourceExhausted("volume group " + m[1].str() + " has " + m[2].str() +
                                     " extents free, needs " + m[3].str());
  }
  if (Search(err, kExists, m)) {
    return Status::AlreadyExists("logical volume " + m[1].str() +
                                 " already exists in volume group " + m[2].str());
  }
  if (Search(err, kBusy, m)) {
    std::string lv = m[1].str();
    if (lv.ends_with('.')) lv.pop_back();
    return Status::Unavailable("logical volume " + lv +
                               " is in use (open); retry once it is closed");
  }
  if (Search(err, kLvMissing, m)) {
    return Status::NotFound("logical volume " + m[1].str() + " not found");
  }
  std::string trimmed = err;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.pop_back();
  return Status::Internal(FormatCommand(argv) + " failed (exit " +
                          std::to_string(result.exit_code) + "): " + trimmed);
}

Result<std::vector<ByteRange>> ParseThinDelta(const std::string& xml) {
  static const std::regex kBlockSize(R"re(<superblock\b[^>]*\bdata_block_size="(\d+)")re");
  static const std::regex kTag(R"re(<(/?)(\w+)([^>]*?)(/?)>)re");
  static const std::regex kBegin(R"re(\bbegin="(\d+)")re");
  static const std::regex kLength(R"re(\blength="(\d+)")re");
  std::smatch m;
  if (!std::regex_search(xml, m, kBlockSize)) {
    return Status::InvalidArgument("thin_delta output has no superblock data_block_size");
  }
  const int64_t block_bytes = std::stoll(m[1].str()) * 512;
  if (block_bytes <= 0) return Status::InvalidArgument("thin_delta data_block_size is 0");
  if (xml.find("<diff") == std::string::npos) {
    return Status::InvalidArgument("thin_delta output has no <diff> (run it with -m)");
  }
  // Short form: <different begin= length=/>; verbose (--verbose): <different><range .../>...
  std::vector<ByteRange> ranges;
  std::string section;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), kTag); it != std::sregex_iterator();
       ++it) {
    const std::string closing = (*it)[1], name = (*it)[2], attrs = (*it)[3];
    const bool self_closing = (*it)[4].length() > 0;
    const bool is_section =
        name == "same" || name == "different" || name == "left_only" || name == "right_only";
    if (is_section && !self_closing) {
      section = closing.empty() ? name : "";
      continue;
    }
    std::string kind = is_section ? name : (name == "range" ? section : "");
    if (kind.empty() || kind == "same") continue;
    std::smatch b, l;
    if (!std::regex_search(attrs, b, kBegin) || !std::regex_search(attrs, l, kLength)) {
      return Status::InvalidArgument("thin_delta range without begin/length: " + it->str());
    }
    ByteRange r{std::stoll(b[1].str()) * block_bytes, std::stoll(l[1].str()) * block_bytes};
    if (!ranges.empty() && ranges.back().offset + ranges.back().length == r.offset) {
      ranges.back().length += r.length;
    } else {
      ranges.push_back(r);
    }
  }
  return ranges;
}

Result<std::vector<ByteRange>> ParseThinDump(const std::string& xml, int64_t dev_id) {
  static const std::regex kBlockSize(R"re(<superblock\b[^>]*\bdata_block_size="(\d+)")re");
  static const std::regex kTag(R"re(<(/?)(\w+)([^>]*?)/?>)re");
  static const std::regex kDevId(R"re(\bdev_id="(\d+)")re");
  static const std::regex kRange(R"re(\borigin_begin="(\d+)"[^>]*\blength="(\d+)")re");
  static const std::regex kSingle(R"re(\borigin_block="(\d+)")re");
  std::smatch m;
  if (!std::regex_search(xml, m, kBlockSize)) {
    return Status::InvalidArgument("thin_dump output has no superblock data_block_size");
  }
  const int64_t block_bytes = std::stoll(m[1].str()) * 512;
  if (block_bytes <= 0) return Status::InvalidArgument("thin_dump data_block_size is 0");
  std::vector<ByteRange> ranges;
  bool found = false, inside = false;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), kTag); it != std::sregex_iterator();
       ++it) {
    const std::string closing = (*it)[1], name = (*it)[2], attrs = (*it)[3];
    if (name == "device") {
      std::smatch d;
      inside = closing.empty() && std::regex_search(attrs, d, kDevId) &&
               std::stoll(d[1].str()) == dev_id;
      found = found || inside;
      continue;
    }
    if (!inside) continue;
    std::smatch r;
    if (name == "range_mapping" && std::regex_search(attrs, r, kRange)) {
      ranges.push_back(
          {std::stoll(r[1].str()) * block_bytes, std::stoll(r[2].str()) * block_bytes});
    } else if (name == "single_mapping" && std::regex_search(attrs, r, kSingle)) {
      ranges.push_back({std::stoll(r[1].str()) * block_bytes, block_bytes});
    } else if (name == "range_mapping" || name == "single_mapping") {
      return Status::InvalidArgument("thin_dump mapping without its origin: " + it->str());
    }
  }
  if (!found) {
    return Status::NotFound("thin_dump lists no thin device " + std::to_string(dev_id));
  }
  return NormalizeRanges(std::move(ranges), std::numeric_limits<int64_t>::max());
}

}  // namespace bb::lvm
