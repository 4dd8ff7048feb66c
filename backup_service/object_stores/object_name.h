// Name rules shared by every ObjectStore implementation, so that a backup written to one store can
// be copied to any other: container names have one or two '/'-separated components
// ("<project>/backups"), object names any number. No component may be empty, "." or "..", names
// never start with '/', never contain NUL, and no component starts with the reserved ".bbtmp"
// prefix (the posix store's in-flight temp files).
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "backup_service/common/status.h"

namespace bb {

inline constexpr std::string_view kReservedTempPrefix = ".bbtmp";

// InvalidArgument unless `container` is a valid container name.
Status ValidateContainerName(std::string_view container);
// InvalidArgument unless `name` is a valid object name.
Status ValidateObjectName(std::string_view name);

}  // namespace bb
