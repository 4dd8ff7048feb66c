# shellcheck shell=bash
# Runs INSIDE the test VM, concatenated before the scripts that use it (tests/vm/lvm_e2e.sh pipes
# `backupd-lvm.sh tests/vm/guest/lvm_e2e.sh`, devstack/vm/demo-lvm.sh `backupd-lvm.sh
# demo-lvm.sh` into `bash -s`): backupd (built on the host, in $BB_PREFIX) with the lvm driver
# against the host's PostgreSQL (10.0.2.100:$BB_PG_PORT, qemu's guestfwd), a volume group on the
# guest's PV disk, tgtd and iscsid, and the helpers those scripts share. An EXIT trap stops
# what it started and removes the volume group. Environment: BB_PG_PORT, BB_DB (database name),
# BB_PREFIX (binaries in $BB_PREFIX/bin, schema in $BB_PREFIX/schema).
set -euo pipefail
: "${BB_PG_PORT:?}" "${BB_DB:?}" "${BB_PREFIX:?}"
export LC_ALL=C
work=${BB_LVM_WORK:-/var/tmp/bb-lvm-e2e}
vg=${BB_LVM_VG:-bbe2e}
pv=/dev/disk/by-id/virtio-bb-vm-pv
backupd_pid=""
writer_pid=""
attached=()
MIB=$((1 << 20))

fail() {
  echo "FAILED: $*" >&2
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# The port file holds the port backupd bound (maybe as ADDRESS:PORT).
ctl() {
  local port
  port=$(tr -d '[:space:]' <"$work/backupd.port")
  "$BB_PREFIX/bin/backupctl" --endpoint "127.0.0.1:${port##*:}" "$@"
}
ctlj() { ctl --json "$@"; }
volume_status() { ctlj volume show "$1" | jq -er .status; }

# The volume group: the thin pool "pool" for lvm_type = thin, the rest of the 2 GiB PV for thick
# LVs. The PV disk is a fresh sparse file at every boot.
lvm_setup() {
  [[ -b $pv ]] || fail "no $pv in the guest (devstack/vm/boot.sh attaches it)"
  vgremove -ff -y "$vg" >/dev/null 2>&1 || true
  wipefs -q -a "$pv"
  pvcreate -q -y "$pv" >/dev/null
  vgcreate -q "$vg" "$pv" >/dev/null
  lvcreate -q -y --type thin-pool -L 640m -n pool "$vg" >/dev/null
  echo "$(lvm version | head -1); VG $vg on $pv: thin pool 640 MiB, $(vgs --noheadings --units m -o vg_free "$vg" | tr -d ' ') free for thick LVs"
}

# The guest's iSCSI target (tgtd on 127.0.0.1:3260) and initiator (iscsid, iscsi_tcp).
iscsi_setup() {
  modprobe iscsi_tcp || fail "modprobe iscsi_tcp"
  [[ -d /sys/module/iscsi_tcp ]] || fail "no iscsi_tcp module"
  if ! tgtadm --lld iscsi --mode system --op show >/dev/null 2>&1; then
    tgtd --iscsi portal=127.0.0.1:3260 >/dev/null 2>&1 || fail "tgtd did not start"
    for ((i = 0; i < 100; i++)); do
      tgtadm --lld iscsi --mode system --op show >/dev/null 2>&1 && break
      sleep 0.1
    done
    tgtadm --op update --mode sys --name State -v ready >/dev/null
  fi
  systemctl start iscsid.service || fail "iscsid did not start"
}

# start_backupd NAME KEY=VALUE...: backupd with the lvm driver on $vg and the extra keys; waits
# until it answers. Its log is $work/backupd-NAME.log.
start_backupd() {
  local name=$1 t kv
  shift
  mkdir -p "$work/store"
  rm -f "$work/backupd.port"
  {
    cat <<CONF
listen = 127.0.0.1:0
port_file = $work/backupd.port
database = host=10.0.2.100 port=$BB_PG_PORT user=bb dbname=$BB_DB connect_timeout=10
schema_dir = $BB_PREFIX/schema
host = $(hostname)
volume_driver = lvm
volume_driver.volume_group = $vg
object_store = posix
store_path = $work/store
default_container = backups
workers_per_job = 2
max_concurrent_jobs = 2
log_level = info
CONF
    for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
  } >"$work/backupd-$name.conf"
  t=$(now)
  "$BB_PREFIX/bin/backupd" --config "$work/backupd-$name.conf" </dev/null >"$work/backupd-$name.log" 2>&1 &
  backupd_pid=$!
  backupd_log=$work/backupd-$name.log
  for ((i = 0; i < 600; i++)); do
    [[ -s $work/backupd.port ]] && ctl volume list >/dev/null 2>&1 && break
    kill -0 "$backupd_pid" 2>/dev/null || {
      tail -n 30 "$backupd_log" >&2
      fail "backupd ($name) exited during start-up"
    }
    sleep 0.2
  done
  ctl volume list >/dev/null || fail "backupd ($name) did not answer within 120 s"
  echo "backupd ($name: $*) up in $(since "$t") s"
}

stop_backupd() {
  [[ -n $backupd_pid ]] || return 0
  kill -TERM "$backupd_pid" 2>/dev/null || true
  wait "$backupd_pid" 2>/dev/null || true
  backupd_pid=""
}

# create_attached NAME: a new 1 GiB volume attached to an instance; prints "ID DEVICE" (the
# caller adds the id to `attached`, since this runs in a command substitution).
create_attached() {
  local vol dev
  vol=$(ctlj volume create --size-gib 1 --name "$1" | jq -er .id) || fail "volume create $1"
  dev=$(ctlj volume attach "$vol" --instance "$(cat /proc/sys/kernel/random/uuid)" | jq -er .device) ||
    fail "volume attach $1"
  [[ -b $dev ]] || fail "attach of $1 gave $dev, not a block device"
  [[ $(volume_status "$vol") == in-use ]] || fail "$1 is not in-use after attach"
  echo "$vol $dev"
}

detach() {
  local v keep=()
  ctl volume detach "$1" >/dev/null || fail "detach $1"
  for v in "${attached[@]}"; do [[ $v == "$1" ]] || keep+=("$v"); done
  attached=("${keep[@]}")
}

# region_sha DEVICE FIRST_MIB COUNT_MIB: sha256 of that region, read with O_DIRECT.
region_sha() {
  dd if="$1" bs=1M skip="$2" count="$3" iflag=direct status=none | sha256sum | cut -d' ' -f1
}
# fill DEVICE FIRST_MIB COUNT_MIB: random data there (O_DIRECT, then flushed).
fill() {
  dd if=/dev/urandom of="$1" bs=1M seek="$2" count="$3" oflag=direct status=none
  blockdev --flushbufs "$1"
}

# start_writer DEVICE FIRST_MIB COUNT_MIB: an instance's writes, in a loop, to that region only:
# each pass writes 4 MiB (64 KiB O_DIRECT writes) of prepared random data at the next 4 MiB of
# the region, then appends a line to $work/writer.passes. The data is made once (random numbers
# are slow under TCG) and its slices rotate, so each pass changes what the region holds.
start_writer() {
  local dev=$1 first=$2 count=$3
  : >"$work/writer.passes"
  [[ -s $work/writer.data ]] || head -c $((8 * MIB)) /dev/urandom >"$work/writer.data"
  (
    k=0
    while true; do
      dd if="$work/writer.data" of="$dev" bs=64K skip=$((k % 5 * 16)) count=64 \
        seek=$(((first + k % (count / 4) * 4) * 16)) oflag=direct status=none 2>/dev/null || exit 0
      echo pass >>"$work/writer.passes"
      k=$((k + 1))
    done
  ) &
  writer_pid=$!
}
writer_passes() { wc -l <"$work/writer.passes"; }
stop_writer() {
  [[ -n $writer_pid ]] || return 0
  kill "$writer_pid" 2>/dev/null || true
  wait "$writer_pid" 2>/dev/null || true
  writer_pid=""
}

# backup VOLUME NAME [FLAG...]: backupctl backup create --wait; prints the backup's JSON and
# fails unless it is available.
backup() {
  local vol=$1 name=$2 out
  shift 2
  out=$(ctlj backup create "$vol" --wait --name "$name" "$@" 2>"$work/wait.log") || {
    cat "$work/wait.log" >&2
    fail "backup create $name $*"
  }
  [[ $(jq -r .status <<<"$out") == available ]] || fail "backup $name not available: $out"
  echo "$out"
}

# restore BACKUP NAME: restore into a new volume; prints its id.
restore() {
  local out
  out=$(ctlj backup restore "$1" --name "$2" --wait 2>"$work/wait.log") || {
    cat "$work/wait.log" >&2
    fail "backup restore $1"
  }
  jq -er .volume_id <<<"$out" || fail "restore gave no volume: $out"
}

# The restored volume's device: its LV (the lvm driver's local path).
lv_path() { echo "/dev/$vg/volume-$1"; }

# lvs_matching PATTERN: LV names of $vg matching the extended regexp (none: empty).
lvs_matching() { lvs --noheadings -o lv_name "$vg" | tr -d ' ' | grep -E "$1" || true; }

# mbs BACKUP_JSON: "X MB/s" of the volume's size over the backup's run time, and backupd's own.
mbs() {
  jq -r '((.size_gib * 1073741824) / (.finished_at_us - .started_at_us)) as $v |
    "\($v * 100 | round / 100) MB/s of the 1 GiB volume (\((.finished_at_us - .started_at_us) / 1e4 | round / 100) s; backupd: \(.mb_per_s * 100 | round / 100) MB/s over \(.bytes_done) bytes, unallocated ones skipped)"' <<<"$1"
}

lvm_cleanup() {
  local rc=$? v
  stop_writer
  if ((rc != 0)) && [[ -n ${backupd_log:-} && -s $backupd_log ]]; then
    echo "--- last lines of $backupd_log:" >&2
    tail -n 25 "$backupd_log" >&2
  fi
  for v in "${attached[@]}"; do ctl volume detach "$v" >/dev/null 2>&1 || true; done
  stop_backupd
  iscsiadm -m node --logoutall=all >/dev/null 2>&1 || true
  vgremove -ff -y "$vg" >/dev/null 2>&1 || true
}
trap lvm_cleanup EXIT
