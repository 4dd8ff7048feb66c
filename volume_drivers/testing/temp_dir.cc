// TempDir; see temp_dir.h.
#include "volume_drivers/testing/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <filesystem>

#include "backup_service/common/log.h"

namespace bb::testing {

Result<TempDir> TempDir::Create(const std::string& prefix, const std::string& parent) {
  std::error_code ec;
  std::string base = parent.empty() ? std::filesystem::temp_directory_path(ec).string() : parent;
  if (ec) base = "/tmp";
  std::string tmpl = base + "/" + prefix + "XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return ErrnoStatus("mkdtemp " + tmpl, errno);
  return TempDir(tmpl);
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir::~TempDir() {
  Status s = Remove();
  if (!s.ok()) BB_LOG(kWarning) << s.ToString();
}

Status TempDir::Remove() {
  if (path_.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (ec) return Status::Internal("remove " + path_ + ": " + ec.message());
  path_.clear();
  return Status::Ok();
}

}  // namespace bb::testing
