#!/usr/bin/env bash
# Builds bb_api_fuzzer with clang in its own build directory and runs it for SECONDS (default
# 60) over the seed corpus in api/fuzz/corpus. New inputs go to a scratch corpus (the repo's
# seeds are only read); a crash leaves its input in the artifact directory and the exit code is
# non-zero. A crash fixed is a seed added: copy the artifact into api/fuzz/corpus.
#   api/fuzz/run.sh [SECONDS]
#   api/fuzz/run.sh --build-only   (configure and build, no run: tests/run.sh builds it early)
#   BB_FUZZ_BUILD_DIR (default build-fuzz), BB_FUZZ_ARTIFACTS (default: a temp dir, kept on crash)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_only=0
if [[ ${1:-} == --build-only ]]; then
  build_only=1
  shift
fi
seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || {
  echo "SECONDS must be a positive number, got '$seconds'" >&2
  exit 2
}
command -v clang++ >/dev/null || {
  echo "clang++ is not installed (apt-get install clang)" >&2
  exit 77
}
build=${BB_FUZZ_BUILD_DIR:-$root/build-fuzz}
mkdir -p "$build"
if [[ ! -f $build/build.ninja ]]; then
  # Only the modules the fuzzer links: the clang build stays a few files.
  cmake -G Ninja -S "$root" -B "$build" -DBB_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBB_ONLY_MODULES="backup_service/common;backup_service/model;api" >"$build/configure.log" 2>&1 || {
    cat "$build/configure.log" >&2
    exit 1
  }
fi
ninja -C "$build" -j"${BB_FUZZ_JOBS:-2}" bb_api_fuzzer
((build_only)) && exit 0
work=$(mktemp -d /tmp/bb-fuzz.XXXXXX)
artifacts=${BB_FUZZ_ARTIFACTS:-$work/artifacts}
mkdir -p "$work/corpus" "$artifacts"
set +e
"$build/api/fuzz/bb_api_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -dict="$root/api/fuzz/api.dict" \
  -artifact_prefix="$artifacts/" "$work/corpus" "$root/api/fuzz/corpus"
rc=$?
set -e
if ((rc != 0)); then
  echo "bb_api_fuzzer failed (exit $rc); inputs: $(ls "$artifacts")" >&2
  echo "artifacts kept in $artifacts" >&2
  rm -rf "$work/corpus"
  exit 1
fi
rm -rf "$work"
