// zstd compression for chunk payloads. One compression context per thread is reused across chunks
// (allocating a context per 4 MiB chunk would dominate small-level compression time).
// Thread-safety: thread_local contexts; no shared state.
#include "backup_service/datapath/compressor.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <memory>

namespace bb {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

}  // namespace

Status ValidateCompressionLevel(int level) {
  if (level < 0 || level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("compression level " + std::to_string(level) +
                                   " out of range 0.." + std::to_string(ZSTD_maxCLevel()));
  }
  return Status::Ok();
}

Result<CompressedData> Compress(std::string_view plain, int level) {
  RETURN_IF_ERROR(ValidateCompressionLevel(level));
  CompressedData out;
  if (level == 0 || plain.empty()) {
    out.data.assign(plain);
    return out;
  }
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) return Status::ResourceExhausted("ZSTD_createCCtx failed");
  // Only a result smaller than the input is worth keeping, so cap the output there: zstd then
  // fails fast with dstSize_tooSmall on incompressible data instead of producing a bigger frame.
  out.data.resize(plain.size() - 1);
  size_t n = ZSTD_compressCCtx(cctx.get(), out.data.data(), out.data.size(), plain.data(),
                               plain.size(), level);
  if (ZSTD_isError(n)) {
    if (ZSTD_getErrorCode(n) != ZSTD_error_dstSize_tooSmall) {
      return Status::Internal(std::string("zstd compress: ") + ZSTD_getErrorName(n));
    }
    out.data.assign(plain);
    return out;
  }
  out.data.resize(n);
  out.data.shrink_to_fit();
  out.method = Compression::kZstd;
  return out;
}

Result<std::string> Decompress(Compression method, std::string_view payload, size_t expected_size) {
  if (method == Compression::kNone) {
    if (payload.size() != expected_size) {
      return Status::DataLoss("raw chunk is " + std::to_string(payload.size()) +
                              " bytes, expected " + std::to_string(expected_size));
    }
    return std::string(payload);
  }
  if (method != Compression::kZstd) {
    return Status::DataLoss("unknown compression " + std::to_string(static_cast<int>(method)));
  }
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

}  // namespace bb
