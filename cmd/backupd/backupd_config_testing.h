// Test helper shared by the backupd config tests: the smallest set of keys ResolveConfig accepts
// for the default role (all, file driver, posix store).
#pragma once

#include "cmd/backupd/backupd_config.h"

namespace bb::testing_config {

inline ConfigValues Required() {
  return {{"database", "dbname=bb"},
          {"schema_dir", "/schema"},
          {"volumes_dir", "/v"},
          {"store_path", "/s"}};
}

}  // namespace bb::testing_config
