# shellcheck shell=bash
# Steps of our service in bench/run.sh that restart backupd with another configuration and back
# up the unchanged image again, each into a container of its own (so nothing dedups against an
# earlier step), to compare with the dense run's plain zstd full (ours.sh, step "full"). Each
# restores backupd's base configuration when it is done. Requires ours.sh (ours_setup done).
#   ours_run_encrypted   ROUNDS (default 2) pairs of full backups of the image, each into a new
#                        container, each right after a restart of backupd: without a key (steps
#                        "plain_full_N") then with backup_master_key_file (a fresh 32-byte key,
#                        mode 0600: the container is encrypted, AES-256-GCM and HMAC ids; steps
#                        "enc_full_N"). Same volume, same daemon state, alternating, so the pair
#                        differs only by encryption (the dense run's full is the run's first
#                        backup, on a cold daemon and XFS: no fair baseline)
#   ours_run_codec CODEC compression = CODEC (lz4 | none): full backup (step "CODEC_full", stored
#                        bytes), then its restore into a new volume checked by sha256 against
#                        the image (step "CODEC_restore"), end to end through backupd

OURS_IMG_VOL=""

# A volume holding the unchanged image, made once and shared by these steps (the dense run's
# volume holds the mutation by then).
ours_image_volume() {
  if [[ -z $OURS_IMG_VOL ]]; then
    OURS_IMG_VOL=$(ctlj volume create --size-gib $((BENCH_IMG_BYTES >> 30)) --name bench-image |
      jq -er .id)
    ours_fill "$OURS_IMG_VOL"
  fi
  echo "$OURS_IMG_VOL"
}

ours_restart_backupd() { # [key=value...]: extra config lines (none: the base configuration)
  bb_backupd_stop "$OURS_RUN" >>"$BENCH_SCR/logs/ours-setup.log" 2>&1
  ours_start_backupd "$@"
}

# ours_full_into STEP CONTAINER: a full backup of the image volume, with the store's growth.
ours_full_into() {
  local step=$1 container=$2 vol before after
  vol=$(ours_image_volume)
  before=$(dir_bytes "$OURS_STORE")
  sync
  warm
  ours_backup "$step" "$vol" --container "$container" || return 1
  after=$(dir_bytes "$OURS_STORE")
  record ours "${step}_added_bytes" $((after - before))
}

ours_run_encrypted() {
  local rounds=${1:-2} key=$BENCH_SCR/master.key i
  bb_log "== ours: $rounds x (plain full, encrypted full) (backup_master_key_file)"
  ours_image_volume >/dev/null
  (umask 077 && head -c 32 /dev/urandom >"$key")
  record ours enc_rounds "$rounds"
  for ((i = 1; i <= rounds; i++)); do
    ours_restart_backupd
    ours_full_into "plain_full_$i" "bench-plain-$i" || true
    ours_restart_backupd "backup_master_key_file=$key"
    ours_full_into "enc_full_$i" "bench-enc-$i" || true
  done
  ours_restart_backupd
}

ours_run_codec() {
  local codec=$1 rvol dev sum
  bb_log "== ours: full backup with compression = $codec, and its restore"
  ours_image_volume >/dev/null
  ours_restart_backupd "compression=$codec"
  if ours_full_into "${codec}_full" "bench-$codec"; then
    sync
    warm
    if ours_timed "${codec}_restore" backup restore "$OURS_BACKUP" --name "bench-$codec-restore" \
      --wait; then
      rvol=$(jq -er .volume_id <<<"$OURS_OUT")
      dev=$(ours_attach "$rvol")
      sum=$(dd if="$dev" bs=4M iflag=direct status=none | sha256sum | cut -d' ' -f1)
      ours_detach "$rvol"
      if [[ $sum == "$BENCH_IMG_SHA" ]]; then
        record ours "${codec}_restore_verify" OK
      else
        record ours "${codec}_restore_verify" MISMATCH
      fi
    fi
  fi
  ours_restart_backupd
}
