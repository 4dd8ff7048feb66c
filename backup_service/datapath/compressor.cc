// zstd and lz4 compression for chunk payloads. One zstd context per thread is reused across
// chunks (allocating a context per chunk would dominate small-level compression time); lz4's
// state lives on the stack of LZ4_compress_default and needs no context.
// Thread-safety: thread_local contexts; no shared state.
#include "backup_service/datapath/compressor.h"

#include <lz4.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <climits>
#include <memory>

namespace bb {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

CompressedData Raw(std::string_view plain) {
  CompressedData out;
  out.data.assign(plain);
  return out;
}

Result<CompressedData> CompressZstd(std::string_view plain, int level) {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) return Status::ResourceExhausted("ZSTD_createCCtx failed");
  // Only a result smaller than the input is worth keeping, so cap the output there: zstd then
  // fails fast with dstSize_tooSmall on incompressible data instead of producing a bigger frame.
  CompressedData out;
  out.data.resize(plain.size() - 1);
  size_t n = ZSTD_compressCCtx(cctx.get(), out.data.data(), out.data.size(), plain.data(),
                               plain.size(), level);
  if (ZSTD_isError(n)) {
    if (ZSTD_getErrorCode(n) != ZSTD_error_dstSize_tooSmall) {
      return Status::Internal(std::string("zstd compress: ") + ZSTD_getErrorName(n));
    }
    return Raw(plain);
  }
  out.data.resize(n);
  out.data.shrink_to_fit();
  out.method = Compression::kZstd;
  return out;
}

Result<CompressedData> CompressLz4(std::string_view plain) {
  if (plain.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    return Status::InvalidArgument("lz4: input of " + std::to_string(plain.size()) +
                                   " bytes is over its limit");
  }
  // As for zstd: a capacity one byte under the input makes lz4 give up (return 0) on data it
  // cannot shrink, instead of writing an expanded block.
  CompressedData out;
  out.data.resize(plain.size() - 1);
  const int n = LZ4_compress_default(plain.data(), out.data.data(), static_cast<int>(plain.size()),
                                     static_cast<int>(out.data.size()));
  if (n <= 0) return Raw(plain);
  out.data.resize(static_cast<size_t>(n));
  out.data.shrink_to_fit();
  out.method = Compression::kLz4;
  return out;
}

Result<std::string> DecompressZstd(std::string_view payload, size_t expected_size) {
  unsigned long long frame_size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (frame_size == ZSTD_CONTENTSIZE_ERROR || frame_size != expected_size) {
    return Status::DataLoss("zstd frame declares " +
                            (frame_size == ZSTD_CONTENTSIZE_ERROR ? std::string("an invalid")
                                                                  : std::to_string(frame_size)) +
                            " size, expected " + std::to_string(expected_size));
  }
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return Status::ResourceExhausted("ZSTD_createDCtx failed");
  std::string out(expected_size, '\0');
  size_t n =
      ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), payload.data(), payload.size());
  if (ZSTD_isError(n)) return Status::DataLoss(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != expected_size) {
    return Status::DataLoss("zstd produced " + std::to_string(n) + " bytes, expected " +
                            std::to_string(expected_size));
  }
  return out;
}

// An lz4 block does not record its decompressed size (the blob header does), so the check is
// that LZ4_decompress_safe, bounded by that size, consumes the whole payload without error and
// fills exactly that many bytes. Damage inside literals can still decode; the id check after
// decompression (SHA-256 / HMAC of the plaintext) catches that.
Result<std::string> DecompressLz4(std::string_view payload, size_t expected_size) {
  if (payload.size() > static_cast<size_t>(INT_MAX) ||
      expected_size > static_cast<size_t>(INT_MAX)) {
    return Status::DataLoss("lz4 block of " + std::to_string(payload.size()) + " bytes for " +
                            std::to_string(expected_size) + " is out of range");
  }
  std::string out(expected_size, '\0');
  const int n = LZ4_decompress_safe(payload.data(), out.data(), static_cast<int>(payload.size()),
                                    static_cast<int>(out.size()));
  if (n < 0)
    return Status::DataLoss("lz4: malformed block (decoder error " + std::to_string(n) + ")");
  if (static_cast<size_t>(n) != expected_size) {
    return Status::DataLoss("lz4 produced " + std::to_string(n) + " bytes, expected " +
                            std::to_string(expected_size));
  }
  return out;
}

}  // namespace

bool IsKnownCompression(uint8_t id) {
  return id == static_cast<uint8_t>(Compression::kNone) ||
         id == static_cast<uint8_t>(Compression::kZstd) ||
         id == static_cast<uint8_t>(Compression::kLz4);
}

std::string CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kZstd:
      return "zstd";
    case Compression::kLz4:
      return "lz4";
  }
  return "unknown(" + std::to_string(static_cast<int>(c)) + ")";
}

std::optional<Compression> CompressionFromName(std::string_view name) {
  if (name == "none") return Compression::kNone;
  if (name == "zstd") return Compression::kZstd;
  if (name == "lz4") return Compression::kLz4;
  return std::nullopt;
}

Status ValidateCompressionLevel(int level) {
  if (level < 0 || level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("compression level " + std::to_string(level) +
                                   " out of range 0.." + std::to_string(ZSTD_maxCLevel()));
  }
  return Status::Ok();
}

Status ValidateCompressionSetting(const CompressionSetting& s) {
  if (!IsKnownCompression(static_cast<uint8_t>(s.codec))) {
    return Status::InvalidArgument("unknown compression codec " +
                                   std::to_string(static_cast<int>(s.codec)));
  }
  // The level means the zstd level whatever the codec, so an out-of-range one is refused even
  // when lz4 or none would ignore it (a configuration switching back to zstd must not break).
  return ValidateCompressionLevel(s.level);
}

Result<CompressedData> Compress(std::string_view plain, int level) {
  return Compress(plain, CompressionSetting{Compression::kZstd, level});
}

Result<CompressedData> Compress(std::string_view plain, const CompressionSetting& s) {
  RETURN_IF_ERROR(ValidateCompressionSetting(s));
  if (plain.empty()) return Raw(plain);
  switch (s.Effective()) {
    case Compression::kNone:
      return Raw(plain);
    case Compression::kZstd:
      return CompressZstd(plain, s.level);
    case Compression::kLz4:
      return CompressLz4(plain);
  }
  return Status::Internal("unreachable compression codec");
}

Result<std::string> Decompress(Compression method, std::string_view payload, size_t expected_size) {
  switch (method) {
    case Compression::kNone:
      if (payload.size() != expected_size) {
        return Status::DataLoss("raw chunk is " + std::to_string(payload.size()) +
                                " bytes, expected " + std::to_string(expected_size));
      }
      return std::string(payload);
    case Compression::kZstd:
      return DecompressZstd(payload, expected_size);
    case Compression::kLz4:
      return DecompressLz4(payload, expected_size);
  }
  return Status::DataLoss("unknown compression id " + std::to_string(static_cast<int>(method)) +
                          " (this build reads 0 = none, 1 = zstd, 2 = lz4)");
}

}  // namespace bb
