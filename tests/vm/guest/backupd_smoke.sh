#!/usr/bin/env bash
# Runs INSIDE the test VM (tests/vm/backupd_smoke.sh pipes it in): backupd, built on the host,
# against the host's PostgreSQL (reached through qemu's guestfwd at 10.0.2.100:$BB_PG_PORT) with
# the file volume driver on an XFS (reflink) file system made on the scratch disk, and a posix
# store in the guest. Creates a volume, attaches it (loop device), writes 64 MiB, backs it up
# in use (--force: temporary reflink snapshot), restores it into a new volume and compares both
# volumes byte for byte. Prints "SMOKE PASSED" and timings; exit code non-zero on any failure.
# Environment: BB_PG_PORT, BB_DB (database name), BB_PREFIX (binaries in $BB_PREFIX/bin, schema
# in $BB_PREFIX/schema).
set -euo pipefail
: "${BB_PG_PORT:?}" "${BB_DB:?}" "${BB_PREFIX:?}"
export LC_ALL=C
work=/var/tmp/bb-smoke
vols=$work/volumes
disk=/dev/disk/by-id/virtio-bb-vm-scratch
backupd_pid=""
attached=()
# The port file holds the port backupd bound (maybe as ADDRESS:PORT).
ctl() {
  local port
  port=$(tr -d '[:space:]' <"$work/backupd.port")
  "$BB_PREFIX/bin/backupctl" --endpoint "127.0.0.1:${port##*:}" "$@"
}
fail() {
  echo "SMOKE FAILED: $*" >&2
  exit 1
}
cleanup() {
  local rc=$? v
  if ((rc != 0)) && [[ -s $work/backupd.log ]]; then
    echo "--- last lines of backupd.log:" >&2
    tail -n 20 "$work/backupd.log" >&2
  fi
  for v in "${attached[@]}"; do ctl volume detach "$v" >/dev/null 2>&1 || true; done
  if [[ -n $backupd_pid ]]; then
    kill -TERM "$backupd_pid" 2>/dev/null || true
    wait "$backupd_pid" 2>/dev/null || true
  fi
  umount "$vols" 2>/dev/null || true
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

echo "guest: $(uname -r), $(nproc) CPUs"
# Every shared library the binaries need is in the image (guest-packages.txt).
missing=$(ldd "$BB_PREFIX/bin/backupd" "$BB_PREFIX/bin/backupctl" | grep 'not found' || true)
[[ -z $missing ]] || fail "libraries missing in the guest image (add their packages to devstack/vm/guest-packages.txt): $missing"

rm -rf "$work"
mkdir -p "$vols" "$work/store" "$work/run"
mkfs.xfs -q -f -m reflink=1 "$disk"
mount "$disk" "$vols"

cat >"$work/backupd.conf" <<CONF
listen = 127.0.0.1:0
port_file = $work/backupd.port
database = host=10.0.2.100 port=$BB_PG_PORT user=bb dbname=$BB_DB connect_timeout=10
schema_dir = $BB_PREFIX/schema
host = $(hostname)
volume_driver = file
volumes_dir = $vols
object_store = posix
store_path = $work/store
default_container = backups
chunk_size_mib = 4
compression_level = 3
workers_per_job = 2
max_concurrent_jobs = 2
log_level = info
CONF
t=$(now)
"$BB_PREFIX/bin/backupd" --config "$work/backupd.conf" </dev/null >"$work/backupd.log" 2>&1 &
backupd_pid=$!
for ((i = 0; i < 600; i++)); do
  [[ -s $work/backupd.port ]] && ctl volume list >/dev/null 2>&1 && break
  kill -0 "$backupd_pid" 2>/dev/null || {
    tail -n 30 "$work/backupd.log" >&2
    fail "backupd exited during start-up"
  }
  sleep 0.2
done
ctl volume list >/dev/null || fail "backupd did not answer within 120 s"
echo "backupd up in $(since "$t") s (database on the host through 10.0.2.100:$BB_PG_PORT)"

vol=$(ctl --json volume create --size-gib 1 --name vm-smoke | jq -er .id) || fail "volume create"
dev=$(ctl --json volume attach "$vol" --instance "$(cat /proc/sys/kernel/random/uuid)" | jq -er .device) ||
  fail "volume attach"
attached+=("$vol")
[[ -b $dev ]] || fail "attach gave $dev, not a block device"
dd if=/dev/urandom of="$dev" bs=1M count=48 oflag=direct status=none
dd if=/dev/zero of="$dev" bs=1M count=16 seek=48 oflag=direct status=none
sync

t=$(now)
# --wait prints its progress lines on stderr: kept in a log, shown when the step fails.
out=$(ctl --json backup create "$vol" --force --wait --name vm-smoke 2>"$work/wait.log") || {
  cat "$work/wait.log" >&2
  fail "backup create --force"
}
secs=$(since "$t")
[[ $(jq -r .status <<<"$out") == available ]] || fail "backup not available: $out"
backup=$(jq -r .id <<<"$out")
echo "backup $backup of the in-use 1 GiB volume (64 MiB written): ${secs} s, $(jq -r .stored_bytes <<<"$out") bytes stored in $(find "$work/store" -type f | wc -l) objects"
[[ $(ctl --json volume show "$vol" | jq -r .status) == in-use ]] || fail "volume not in-use after the backup"

t=$(now)
out=$(ctl --json backup restore "$backup" --name vm-smoke-restore --wait 2>"$work/wait.log") || {
  cat "$work/wait.log" >&2
  fail "backup restore"
}
rvol=$(jq -er .volume_id <<<"$out") || fail "restore gave no volume: $out"
echo "restore into $rvol: $(since "$t") s"
[[ $(ctl --json volume show "$rvol" | jq -r .status) == available ]] || fail "restored volume not available"

ctl volume detach "$vol" >/dev/null || fail "detach"
attached=()
t=$(now)
# The first 64 MiB hold what was written; beyond them both files are expected to be holes. cmp
# reads holes as zeros at TCG speed (~1 min for 1 GiB), so the tail is compared only when one of
# the two has data there (SEEK_DATA from 64 MiB finds none: "DATA EOF").
written=$((64 << 20))
cmp -n "$written" "$vols/volume-$vol" "$vols/volume-$rvol" ||
  fail "restored volume differs from the original in its first 64 MiB"
tail_checked="both holes"
for f in "$vols/volume-$vol" "$vols/volume-$rvol"; do
  if ! xfs_io -r -c "seek -d $written" "$f" | grep -q "^DATA[[:space:]]*EOF"; then
    cmp -i "$written" "$vols/volume-$vol" "$vols/volume-$rvol" ||
      fail "restored volume differs from the original after its first 64 MiB"
    tail_checked="compared"
    break
  fi
done
echo "restored volume identical to the original (first 64 MiB compared, the rest $tail_checked: $(since "$t") s)"

ctl --json backup delete "$backup" >/dev/null || fail "backup delete"
for ((i = 0; i < 600; i++)); do
  s=$(ctl --json backup show "$backup" 2>/dev/null | jq -r .status) || s=deleted
  [[ $s == deleted || -z $s ]] && break
  [[ $s == error_deleting ]] && fail "backup delete failed"
  sleep 0.2
done
ctl volume delete "$vol" >/dev/null || fail "volume delete"
ctl volume delete "$rvol" >/dev/null || fail "volume delete (restored)"
echo "SMOKE PASSED"
