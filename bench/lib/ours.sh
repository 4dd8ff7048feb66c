# shellcheck shell=bash
# Our service in bench/run.sh: a real backupd with a throw-away PostgreSQL, the file driver on a
# loop-mounted reflink XFS and the posix store in the scratch directory (as devstack/stack.sh
# starts them), driven only through backupctl. Requires measure.sh and the devstack libraries.
#   ours_setup BACKUPD BACKUPCTL PG_PORT   start PostgreSQL, the XFS and backupd (with
#                                          changed_extent_incrementals = false: the dense
#                                          run's incremental measures what re-reading costs)
#   ours_run_dense                         full -> incremental -> restore + verify of the image
#   ours_run_changed_extents               backupd restarted with changed_extent_incrementals
#                                          (backupd's default):
#                                          full -> the same 1% mutation -> incremental that reads
#                                          only the changed extents -> restore + verify
#   ours_run_sparse GIB [STEP]             full backup of a GIB volume holding only the image
#                                          (figures under STEP, default "sparse")
#   ours_volume_floor                      restore floor into the volumes' file system (a copy of
#                                          the image onto the loop-mounted XFS + sync), the ceiling
#                                          of any restore into a volume of this driver
#   ours_teardown                          stop backupd, detach, unmount, stop PostgreSQL

OURS_UP=0

ours_setup() {
  local backupd=$1 pg_port=$3
  OURS_CTL=$2
  OURS_RUN=$BENCH_SCR/run
  OURS_STORE=$BENCH_SCR/store
  OURS_VOLUMES=$BENCH_SCR/volumes
  bb_log "== ours: PostgreSQL on port $pg_port, XFS, backupd"
  OURS_UP=1
  {
    bb_pg_start "$BENCH_SCR/pg" "$pg_port"
    bb_pg_create_db "$BENCH_SCR/pg" bb
    # Sparse image: only what the volumes hold is allocated; room for the sparse volume, the
    # dense one and their restores.
    bb_xfs_up "$BENCH_SCR/volumes.img" "$OURS_VOLUMES" 512G
  } >>"$BENCH_SCR/logs/ours-setup.log"
  mkdir -p "$OURS_STORE" "$OURS_RUN"
  OURS_BACKUPD=$backupd
  ours_start_backupd "changed_extent_incrementals=false"
  record ours version "backupd $(git -C "$BB_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  record ours settings "$(sed -n 's/^\(backup_format\|chunk_size_mib\|compression\|compression_level\|workers_per_job\) = /\1=/p' \
    "$OURS_RUN/backupd.conf" | paste -sd' ')"
}

ours_start_backupd() { # [key=value...]: extra config lines
  bb_backupd_write_config "$OURS_RUN/backupd.conf" \
    "listen=127.0.0.1:0" \
    "api_listen=127.0.0.1:0" \
    "database=$(bb_pg_conninfo "$BENCH_SCR/pg" bb)" \
    "volumes_dir=$OURS_VOLUMES" \
    "store_path=$OURS_STORE" \
    "port_file=$OURS_RUN/backupd.port" \
    "log_level=warning" \
    "quota_backups=-1" "quota_backup_gigabytes=-1" "$@"
  bb_backupd_start "$OURS_BACKUPD" "$OURS_RUN/backupd.conf" "$OURS_RUN" "$OURS_CTL" \
    >>"$BENCH_SCR/logs/ours-setup.log"
  OURS_ENDPOINT=$(bb_backupd_endpoint "$OURS_RUN/backupd.conf")
  OURS_PID=$(bb_backupd_pid "$OURS_RUN")
}

ours_teardown() {
  ((OURS_UP)) || return 0
  OURS_UP=0
  bb_backupd_stop "$OURS_RUN" >>"$BENCH_SCR/logs/ours-setup.log" 2>&1 || true
  bb_xfs_down "$BENCH_SCR/volumes.img" "$OURS_VOLUMES" >>"$BENCH_SCR/logs/ours-setup.log" 2>&1 || true
  bb_pg_stop "$BENCH_SCR/pg" >>"$BENCH_SCR/logs/ours-setup.log" 2>&1 || true
}

ctlj() { "$OURS_CTL" --endpoint "$OURS_ENDPOINT" --json "$@" 2>>"$BENCH_SCR/logs/ours-ctl.log"; }

# backupd's CPU seconds (user + system) so far
ours_cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$OURS_PID/stat"
}
# backupd's peak RSS since the last ours_reset_peak, in kB
ours_peak_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$OURS_PID/status"; }
ours_reset_peak() { echo 5 >"/proc/$OURS_PID/clear_refs"; }

ours_attach() { # VOLUME -> prints the device
  ctlj volume attach "$1" --instance "$(</proc/sys/kernel/random/uuid)" | jq -er .device
}
ours_detach() { ctlj volume detach "$1" >/dev/null; }

# ours_timed STEP CMD...: run a backupctl command (its JSON record to $OURS_OUT), recording wall
# time (the command, then sync -f of the store), backupd's CPU seconds and peak RSS.
ours_timed() {
  local step=$1 t0 t1 c0 c1 perf_pid=""
  shift
  ours_reset_peak
  if [[ -n ${BENCH_PERF_DIR:-} ]]; then
    # A CPU profile of backupd during the step (perf samples only on-CPU time).
    perf record -F 999 -p "$OURS_PID" -o "$BENCH_SCR/perf-$step.data" \
      >>"$BENCH_SCR/logs/perf.log" 2>&1 &
    perf_pid=$!
    sleep 0.5 # perf attaches asynchronously; the step must not start before it samples
  fi
  c0=$(ours_cpu_s)
  t0=$(now_ns)
  OURS_OUT=$(ctlj "$@") || {
    record ours "${step}_failed" "backupctl $* failed (see logs/ours-ctl.log)"
    return 1
  }
  t1=$(now_ns)
  c1=$(ours_cpu_s)
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
    {
      perf report -i "$BENCH_SCR/perf-$step.data" --sort dso --stdio 2>/dev/null
      perf report -i "$BENCH_SCR/perf-$step.data" --sort dso,sym --stdio --percent-limit 1 \
        2>/dev/null
    } | grep -v '^$' >"$BENCH_PERF_DIR/ours-$step.txt" || true
  fi
  record ours "${step}_s" "$(elapsed_s "$t0" "$t1")"
  record ours "${step}_cpu_s" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
  record ours "${step}_rss_kb" "$(ours_peak_kb)"
  timed_sync ours "$step" "$OURS_STORE"
}

ours_backup() { # STEP VOLUME [ARGS...]: backup create --wait, checked available
  local step=$1 vol=$2 status
  shift 2
  ours_timed "$step" backup create "$vol" --name "bench-$step" --wait "$@" || return 1
  status=$(jq -r .status <<<"$OURS_OUT")
  [[ $status == available ]] || {
    record ours "${step}_failed" "status $status: $(jq -r .fail_reason <<<"$OURS_OUT")"
    return 1
  }
  record ours "${step}_record_stored_bytes" "$(jq -r .stored_bytes <<<"$OURS_OUT")"
  record ours "${step}_record_objects" "$(jq -r .object_count <<<"$OURS_OUT")"
  OURS_BACKUP=$(jq -r .id <<<"$OURS_OUT")
}

# ours_fill VOLUME: attach, write the image with O_DIRECT, detach
ours_fill() {
  local dev
  dev=$(ours_attach "$1")
  dd if="$BENCH_IMG" of="$dev" bs=4M oflag=direct conv=fsync status=none
  ours_detach "$1"
}

ours_run_dense() {
  local vol dev before after rvol sum
  local gib=$((BENCH_IMG_BYTES >> 30))
  bb_log "== ours: ${gib} GiB volume, full -> incremental -> restore"
  vol=$(ctlj volume create --size-gib "$gib" --name bench-dense | jq -er .id)
  ours_fill "$vol"
  before=$(dir_bytes "$OURS_STORE")
  warm
  ours_backup full "$vol" || return 0
  after=$(dir_bytes "$OURS_STORE")
  record ours full_added_bytes $((after - before))
  record ours full_objects "$(dir_objects "$OURS_STORE")"
  before=$after

  # The same 1% of 4 KiB blocks as MUT, written through the attached device.
  dev=$(ours_attach "$vol")
  "$BENCH_SCR/gen_volume" mutate "$dev" 1 2>>"$BENCH_SCR/logs/gen.log"
  ours_detach "$vol"
  warm
  ours_backup incr "$vol" --incremental || return 0
  after=$(dir_bytes "$OURS_STORE")
  record ours incr_added_bytes $((after - before))

  sync
  warm
  ours_timed restore backup restore "$OURS_BACKUP" --name bench-restore --wait || return 0
  rvol=$(jq -er .volume_id <<<"$OURS_OUT")
  dev=$(ours_attach "$rvol")
  sum=$(dd if="$dev" bs=4M iflag=direct status=none | sha256sum | cut -d' ' -f1)
  ours_detach "$rvol"
  if [[ $sum == "$BENCH_MUT_SHA" ]]; then
    record ours restore_verify OK
  else
    record ours restore_verify MISMATCH
  fi
}

# rchar of backupd: bytes its read syscalls returned, counted by the kernel
ours_read_bytes() { awk '$1 == "rchar:" { print $2 }' "/proc/$OURS_PID/io"; }

ours_run_changed_extents() {
  local vol dev rvol sum r0 r1
  local gib=$((BENCH_IMG_BYTES >> 30))
  bb_log "== ours: ${gib} GiB volume, incremental with changed-extent info"
  bb_backupd_stop "$OURS_RUN" >>"$BENCH_SCR/logs/ours-setup.log" 2>&1
  ours_start_backupd "changed_extent_incrementals=true"
  vol=$(ctlj volume create --size-gib "$gib" --name bench-cx | jq -er .id)
  ours_fill "$vol"
  warm
  # A container of its own, so that this full is a full (no dedup against the dense run).
  ours_backup cx_full "$vol" --container bench-cx || return 0
  dev=$(ours_attach "$vol")
  "$BENCH_SCR/gen_volume" mutate "$dev" 1 2>>"$BENCH_SCR/logs/gen.log"
  ours_detach "$vol"
  warm
  r0=$(ours_read_bytes)
  ours_backup incr_cx "$vol" --incremental --container bench-cx || return 0
  r1=$(ours_read_bytes)
  record ours incr_cx_read_bytes $((r1 - r0))
  sync
  ours_timed restore_cx backup restore "$OURS_BACKUP" --name bench-cx-restore --wait || return 0
  rvol=$(jq -er .volume_id <<<"$OURS_OUT")
  dev=$(ours_attach "$rvol")
  sum=$(dd if="$dev" bs=4M iflag=direct status=none | sha256sum | cut -d' ' -f1)
  ours_detach "$rvol"
  if [[ $sum == "$BENCH_MUT_SHA" ]]; then
    record ours incr_cx_verify OK
  else
    record ours incr_cx_verify MISMATCH
  fi
}

ours_volume_floor() {
  local out=$OURS_VOLUMES/bench-floor.out
  bb_log "== floor: copy of the image into the volumes' XFS"
  sync
  warm
  measure floor restore_xfs cp --sparse=never "$BENCH_IMG" "$out"
  timed_sync floor restore_xfs "$OURS_VOLUMES"
  rm -f "$out"
}

ours_run_sparse() {
  local gib=$1 step=${2:-sparse} vol
  bb_log "== ours: ${gib} GiB sparse volume holding the image ($step)"
  vol=$(ctlj volume create --size-gib "$gib" --name "bench-$step" | jq -er .id)
  ours_fill "$vol"
  record ours "${step}_gib" "$gib"
  warm
  # A container of its own: the dense run's chunks must not make this one a dedup hit.
  ours_backup "$step" "$vol" --container "bench-$step" || return 0
}
