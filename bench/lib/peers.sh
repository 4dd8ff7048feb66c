# shellcheck shell=bash
# The peers and the machine's floors for bench/run.sh (same steps as ../shared/bench/peers/bench.sh,
# whose settings are kept: restic and borg with their defaults and encryption on, as an operator
# would run them; Cinder's real PosixBackupDriver with its default zlib). Requires measure.sh.
#   peer_run restic|borg|cinder-zlib    init -> full -> incremental -> restore + verify
#   floor_run                           backup floor (zstd -1 -T2 into the store's file system +
#                                       sync) and restore floor (copy of the image + sync)

peer_version() {
  case $1 in
    restic) restic version | cut -d' ' -f2 ;;
    borg) borg --version | cut -d' ' -f2 ;;
    cinder-zlib) dpkg-query -W -f '${Version}' python3-cinder ;;
  esac
}

# peer_step TOOL STEP REPO: one backup (full: IMG, incr: MUT) into REPO
peer_backup() {
  local tool=$1 step=$2 repo=$3 src=$BENCH_IMG
  [[ $step == incr ]] && src=$BENCH_MUT
  local cinder=(/usr/bin/python3 "$bench_dir/peers/cinder_bench.py")
  case $tool in
    restic) measure "$tool" "$step" restic -q -r "$repo" backup --stdin \
      --stdin-filename volume.img <"$src" >>"$BENCH_SCR/logs/$tool-$step.log" ;;
    borg) measure "$tool" "$step" borg create --stdin-name volume.img "$repo::$step" - <"$src" \
      >>"$BENCH_SCR/logs/$tool-$step.log" ;;
    cinder-zlib)
      local parent=()
      [[ $step == incr ]] && parent=(--parent full)
      measure "$tool" "$step" "${cinder[@]}" backup --repo "$repo" --img "$src" --id "$step" \
        --algo zlib "${parent[@]}" >>"$BENCH_SCR/logs/$tool-$step.log" ;;
  esac
}

peer_restore() { # TOOL REPO OUT
  local tool=$1 repo=$2 out=$3
  case $tool in
    restic)
      measure "$tool" restore restic -q -r "$repo" restore latest --target "$out.d" &&
        mv "$out.d/volume.img" "$out" ;;
    borg) measure "$tool" restore borg extract --stdout "$repo::incr" >"$out" ;;
    cinder-zlib)
      measure "$tool" restore /usr/bin/python3 "$bench_dir/peers/cinder_bench.py" restore \
        --repo "$repo" --id incr --out "$out" --algo zlib >>"$BENCH_SCR/logs/$tool-restore.log" ;;
  esac
}

peer_run() {
  local tool=$1 repo=$BENCH_SCR/repo-$1 out=$BENCH_SCR/restore-$1.img before after step
  bb_log "== $tool"
  export RESTIC_PASSWORD=bench-password BORG_PASSPHRASE=bench-password
  export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
  export BORG_BASE_DIR=$BENCH_SCR/borg-home XDG_CACHE_HOME=$BENCH_SCR/cache
  record "$tool" version "$(peer_version "$tool")"
  rm -rf "$repo" "$out" "$out.d"
  case $tool in
    restic) restic -q -r "$repo" init >"$BENCH_SCR/logs/$tool-init.log" 2>&1 ;;
    borg) borg init -e repokey "$repo" >"$BENCH_SCR/logs/$tool-init.log" 2>&1 ;;
    cinder-zlib) mkdir -p "$repo" ;;
  esac
  before=$(dir_bytes "$repo")
  for step in full incr; do
    warm
    peer_backup "$tool" "$step" "$repo" || return 0
    timed_sync "$tool" "$step" "$repo"
    after=$(dir_bytes "$repo")
    record "$tool" "${step}_added_bytes" $((after - before))
    if [[ $step == full ]]; then
      # Cinder's stand-in database file is not an object of the store
      record "$tool" full_objects "$(find "$repo" -type f ! -name '_fakedb*' | wc -l)"
    fi
    before=$after
  done
  sync
  warm
  if peer_restore "$tool" "$repo" "$out"; then
    local t0 t1
    t0=$(now_ns)
    sync "$out"
    t1=$(now_ns)
    record "$tool" restore_sync_s "$(elapsed_s "$t0" "$t1")"
    if [[ $(sha256sum "$out" | cut -d' ' -f1) == "$BENCH_MUT_SHA" ]]; then
      record "$tool" restore_verify OK
    else
      record "$tool" restore_verify MISMATCH
    fi
  fi
  rm -rf "$repo" "$out" "$out.d" "$BENCH_SCR/borg-home" "$BENCH_SCR/cache"
}

floor_run() {
  local out=$BENCH_SCR/floor.out
  bb_log "== floors"
  record floor version "zstd $(zstd -V | grep -o 'v[0-9.]*' | head -n1), coreutils cp"
  warm
  measure floor full zstd -q -1 -T2 -c "$BENCH_IMG" >"$out"
  timed_sync floor full "$BENCH_SCR"
  record floor full_added_bytes "$(stat -c %s "$out")"
  rm -f "$out"
  sync
  warm
  measure floor restore cp --sparse=never "$BENCH_IMG" "$out"
  timed_sync floor restore "$BENCH_SCR"
  rm -f "$out"
}
