#!/usr/bin/env bash
# The chunk-engine benchmark (issue 7): ONE command that builds, makes the test volume and runs our
# service, restic, borg, Cinder's posix driver and the machine's floors side by side, then prints
# one table of the issue's target figures.
#
#   bench/run.sh [--size 1G|4G] [--only LIST] [--sparse-gib N] [--rss-sparse-gib LIST]
#                [--scratch DIR] [--keep] [--pg-port PORT] [--no-build] [--results FILE]
#
#   --size       test volume: 1G (default) or 4G, 40% random / 30% zero / 30% text-like extents,
#                seed 42 (bench/gen_volume.c, the shared harness's generator, owned here)
#   --only       comma-separated subset of: ours, sparse, enc, codec, restic, borg, cinder, floor
#                (default all; the floors include a copy into our volumes' XFS when one of ours
#                runs too). ours: dense full, incrementals, restores; sparse: the image in sparse
#                volumes; enc: a full into an encrypted container; codec: a full with lz4, and
#                its restore
#   --sparse-gib size of the sparse volume holding the image (default 100)
#   --rss-sparse-gib  comma-separated sizes of further sparse volumes holding the image, for
#                backupd's peak RSS by volume size (default 4,16; with sparse)
#   --scratch    a new or empty work directory (default /var/tmp/bb-bench.PID), removed at exit
#                unless --keep;
#                our object store, the peers' repositories and the floors' outputs share its
#                file system, so every tool writes to the same disk
#   --pg-port    port of the throw-away PostgreSQL (default 54339; unix socket only)
#   --results    where the raw figures go (default bench/results/<UTC date>.tsv)
#   --perf DIR   also record a perf CPU profile of backupd for each of its steps into
#                DIR/ours-STEP.txt (flat, by DSO and symbol); perf's overhead is in those times
#
# Needs root (loop-mounted XFS with reflink and loop devices for our service, as devstack does)
# and Debian's restic, borgbackup, python3-cinder, zstd, jq (installed here with apt-get when
# missing). Every tool gets the same steps: full backup of IMG -> incremental of MUT (IMG with 1%
# of its 4 KiB blocks rewritten, scattered; no changed-extent information is given to anyone) ->
# restore of the incremental, verified by sha256 against MUT. Times are wall seconds of the whole
# command plus a sync of the repository's file system; both images are read into the page cache
# before each step. Peak RSS: GNU time's maximum for the peers, VmHWM of backupd (reset through
# /proc/PID/clear_refs before each step) for ours. One repetition: the machine is shared, so the
# load average at start and end is printed with the table; CPU seconds move less than wall time.
set -euo pipefail
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=devstack/lib/common.sh
source "$bench_dir/../devstack/lib/common.sh"
# shellcheck source=devstack/lib/build.sh
source "$bench_dir/../devstack/lib/build.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$bench_dir/../devstack/lib/postgres.sh"
# shellcheck source=devstack/lib/xfs.sh
source "$bench_dir/../devstack/lib/xfs.sh"
# shellcheck source=devstack/lib/backupd.sh
source "$bench_dir/../devstack/lib/backupd.sh"
# shellcheck source=bench/lib/measure.sh
source "$bench_dir/lib/measure.sh"
# shellcheck source=bench/lib/ours.sh
source "$bench_dir/lib/ours.sh"
# shellcheck source=bench/lib/ours_configs.sh
source "$bench_dir/lib/ours_configs.sh"
# shellcheck source=bench/lib/peers.sh
source "$bench_dir/lib/peers.sh"

size=1G
only=ours,sparse,enc,codec,restic,borg,cinder,floor
sparse_gib=100
rss_sparse_gib=4,16
scr=""
keep=0
pg_port=54339
build=1
results=""
perf_dir=""
while (($#)); do
  case $1 in
    --size) size=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --sparse-gib) sparse_gib=$2; shift 2 ;;
    --rss-sparse-gib) rss_sparse_gib=$2; shift 2 ;;
    --scratch) scr=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --pg-port) pg_port=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --results) results=$2; shift 2 ;;
    --perf) perf_dir=$2; shift 2 ;;
    -h | --help) sed -n '2,36p' "$0"; exit 0 ;;
    *) bb_die "unknown argument: $1 (see --help)" ;;
  esac
done
case $size in
  1G) size_mib=1024 ;;
  4G) size_mib=4096 ;;
  *) bb_die "--size must be 1G or 4G" ;;
esac
if ! [[ $sparse_gib =~ ^[0-9]+$ ]] || ((sparse_gib < size_mib / 1024)); then
  bb_die "--sparse-gib must be a whole number of GiB, at least the test volume's size"
fi
IFS=, read -r -a rss_sizes <<<"$rss_sparse_gib"
for g in "${rss_sizes[@]}"; do
  if ! [[ $g =~ ^[0-9]+$ ]] || ((g < size_mib / 1024)); then
    bb_die "--rss-sparse-gib: each size a whole number of GiB, at least the test volume's size"
  fi
done
wants() { [[ ,$only, == *,$1,* ]]; }
bb_require_root "bench (loop-mounted XFS and loop devices for backupd)"

# ------------------------------------------------------------------ dependencies and build
need=()
command -v jq >/dev/null || need+=(jq)
command -v zstd >/dev/null || need+=(zstd)
[[ -x /usr/bin/time ]] || need+=(time)
if wants restic; then command -v restic >/dev/null || need+=(restic); fi
if wants borg; then command -v borg >/dev/null || need+=(borgbackup); fi
if wants cinder; then /usr/bin/python3 -c 'import cinder' 2>/dev/null || need+=(python3-cinder); fi
if ((${#need[@]})); then
  bb_log "installing from the Debian mirror: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y \
    --no-install-recommends "${need[@]}" >/dev/null || bb_die "apt-get install ${need[*]} failed"
fi
if ((build)); then
  bb_build -j"${BB_BUILD_JOBS:-$(nproc)}" backupd backupctl >/dev/null || bb_die "build failed"
fi
backupd_bin=$(bb_bin backupd)
backupctl_bin=$(bb_bin backupctl)

# ------------------------------------------------------------------ scratch and test images
if [[ -z $scr ]]; then scr=/var/tmp/bb-bench.$$; fi
# Everything in the scratch directory is removed at the end: never take one that holds anything.
if [[ -e $scr ]] && [[ -n $(ls -A "$scr" 2>/dev/null) || ! -d $scr ]]; then
  bb_die "--scratch $scr must be a new or empty directory (it is removed at the end)"
fi
mkdir -p "$scr/logs"
scr=$(cd "$scr" && pwd)
chmod 755 "$scr"
cleanup() {
  local rc=$?
  ours_teardown || true
  if ((keep)); then bb_log "kept $scr"; else rm -rf "$scr"; fi
  return $rc
}
trap cleanup EXIT
results=${results:-$bench_dir/results/$(date -u +%Y%m%dT%H%M%SZ).tsv}
mkdir -p "$(dirname "$results")"
: >"$results"
export BENCH_RESULTS=$results BENCH_SCR=$scr BENCH_PERF_DIR=""
if [[ -n $perf_dir ]]; then
  command -v perf >/dev/null || bb_die "--perf needs perf (Debian package linux-perf)"
  mkdir -p "$perf_dir"
  BENCH_PERF_DIR=$(cd "$perf_dir" && pwd)
fi

gen=$scr/gen_volume
cc -O2 -o "$gen" "$bench_dir/gen_volume.c" || bb_die "cannot compile gen_volume.c"
img=$scr/vol.img
mut=$scr/mut.img
bb_log "generating the ${size} test volume (seed 42) and its 1% scattered mutation (seed 1)"
"$gen" create "$img" "$size_mib" 42 2>>"$scr/logs/gen.log"
cp --sparse=never "$img" "$mut"
"$gen" mutate "$mut" 1 2>>"$scr/logs/gen.log"
img_bytes=$(stat -c %s "$img")
mut_sha=$(sha256sum "$mut" | cut -d' ' -f1)
img_sha=$(sha256sum "$img" | cut -d' ' -f1)
export BENCH_IMG=$img BENCH_MUT=$mut BENCH_MUT_SHA=$mut_sha BENCH_IMG_BYTES=$img_bytes
export BENCH_IMG_SHA=$img_sha

record run image_bytes "$img_bytes"
record run image_sha256 "$img_sha"
record run sparse_gib "$sparse_gib"
record run rss_sparse_gib "$rss_sparse_gib"
record run date_utc "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
record run host "$(hostname -s) $(nproc) cores, $(uname -r)"
record run load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
bb_log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------ the runs
if wants ours || wants sparse || wants enc || wants codec; then
  ours_setup "$backupd_bin" "$backupctl_bin" "$pg_port"
  wants ours && ours_run_dense
  wants ours && ours_run_changed_extents
  if wants sparse; then
    ours_run_sparse "$sparse_gib"
    for g in "${rss_sizes[@]}"; do ours_run_sparse "$g" "sparse_${g}g"; done
  fi
  wants enc && ours_run_encrypted 2
  wants codec && ours_run_codec lz4
  wants floor && ours_volume_floor
  ours_teardown
fi
wants restic && peer_run restic
wants borg && peer_run borg
wants cinder && peer_run cinder-zlib
wants floor && floor_run

record run load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
bb_log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
/usr/bin/python3 "$bench_dir/report.py" "$results"
echo
echo "raw figures: $results"
