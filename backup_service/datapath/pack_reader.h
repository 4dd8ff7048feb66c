// PackReader: reads a pack object (pack_format.h) back and checks everything it trusts: the
// footer's checksum before the trailer, each blob's header against its trailer entry, the
// decompressed length, and the SHA-256 of the plaintext against the blob id. Every mismatch is
// DataLoss naming the pack object (and the blob), never a silently wrong restore.
// Works on the whole object today (the store has no ranged Get yet); the trailer is found from
// the last bytes alone so a ranged reader can fetch footer, trailer and single blobs.
// Thread-safety: pure functions over caller-owned bytes; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/datapath/pack_format.h"

namespace bb {

// The trailer entries of the pack `object` named `name`, in pack order. DataLoss when the
// object is too short, a magic, version or reserved field is wrong, the footer checksum does not
// match, or an entry points outside the blob area or overlaps another.
Result<std::vector<PackEntry>> ReadPackTrailer(std::string_view object, const std::string& name);

// The plaintext of one blob of an unencrypted pack. DataLoss when its header differs from
// `entry`, it decompresses to anything but plain_length bytes, or SHA-256 of the result is not
// the id.
Result<std::string> ReadPackBlob(std::string_view object, const std::string& name,
                                 const PackEntry& entry);

// DataLoss unless `name` is "packs/<h[0:2]>/<h>" with h the SHA-256 of `object` (backup verify).
Status CheckPackName(std::string_view object, const std::string& name);

// Salvage: the blobs found by walking blob headers from the start, without the trailer (for
// rebuilding an index when a trailer is damaged). Stops with DataLoss at the first header that
// does not parse; the payloads are not checked here (ReadPackBlob does that).
Result<std::vector<PackEntry>> ScanPackBlobs(std::string_view object, const std::string& name);

}  // namespace bb
