#!/usr/bin/env bash
# Brings up a local block-storage backup stack and leaves it running:
#   PostgreSQL (unix socket in $BB_STATE_DIR/pg), database bb,
#   an XFS (reflink) image loop-mounted at $BB_STATE_DIR/volumes for the file volume driver,
#   a posix object store in $BB_STATE_DIR/backups,
#   the operator's admin token in $BB_STATE_DIR/operator-token (mode 0600),
#   backupd on $BB_LISTEN (default 127.0.0.1:8777), its REST API on $BB_API_LISTEN (8776).
# Idempotent: what is already up is kept; backupd is restarted when its binary or config changed.
# Environment: BB_STATE_DIR (/var/lib/blockbackup-devstack), BB_LISTEN, BB_API_LISTEN (the REST
# API, 127.0.0.1:8776), BB_PG_PORT (54329),
#   BB_XFS_SIZE (8G), BB_BUILD_DIR (build), BB_SKIP_DEPS=1 / BB_SKIP_BUILD=1 to skip those steps.
# Stop everything with devstack/unstack.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=devstack/lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=devstack/lib/build.sh
source "$here/lib/build.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$here/lib/postgres.sh"
# shellcheck source=devstack/lib/xfs.sh
source "$here/lib/xfs.sh"
# shellcheck source=devstack/lib/backupd.sh
source "$here/lib/backupd.sh"

BB_STATE_DIR=${BB_STATE_DIR:-/var/lib/blockbackup-devstack}
BB_LISTEN=${BB_LISTEN:-127.0.0.1:8777}
BB_API_LISTEN=${BB_API_LISTEN:-127.0.0.1:8776}
BB_PG_PORT=${BB_PG_PORT:-54329}
BB_XFS_SIZE=${BB_XFS_SIZE:-8G}

bb_require_root "devstack (loop-mounted XFS, volume attach)"
case $BB_STATE_DIR in
  /root | /root/*) bb_die "BB_STATE_DIR must not be under /root (PostgreSQL runs unprivileged)" ;;
  /*) ;;
  *) bb_die "BB_STATE_DIR must be an absolute path" ;;
esac

if [[ ${BB_SKIP_DEPS:-0} != 1 ]]; then
  bb_log "== installing dependencies"
  "$here/install-deps.sh"
fi

if [[ ${BB_SKIP_BUILD:-0} != 1 ]]; then
  bb_log "== building"
  bb_build backupd backupctl  # the services only; tests/run.sh builds the rest
fi
backupd=$(bb_bin backupd)
backupctl=$(bb_bin backupctl)
[[ -x $backupd && -x $backupctl ]] || bb_die "backupd/backupctl not built ($backupd, $backupctl)"

mkdir -p "$BB_STATE_DIR"
chmod 755 "$BB_STATE_DIR"

bb_log "== PostgreSQL"
bb_pg_start "$BB_STATE_DIR/pg" "$BB_PG_PORT"
bb_pg_create_db "$BB_STATE_DIR/pg" bb
db_conninfo=$(bb_pg_conninfo "$BB_STATE_DIR/pg" bb)

bb_log "== XFS volume directory"
bb_xfs_up "$BB_STATE_DIR/volumes.img" "$BB_STATE_DIR/volumes" "$BB_XFS_SIZE"
mkdir -p "$BB_STATE_DIR/backups" "$BB_STATE_DIR/run"

# The operator's admin token (reset-status, force delete, all projects): made once, readable by
# root only; backupd keeps its digest, backupctl sends it when BACKUPCTL_OPERATOR_TOKEN_FILE (or
# --operator-token-file) names this file.
token_file=$BB_STATE_DIR/operator-token
if [[ ! -s $token_file ]]; then
  (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$token_file.new")
  mv "$token_file.new" "$token_file"
fi
chmod 600 "$token_file"

bb_log "== backupd"
conf=$BB_STATE_DIR/backupd.conf
bb_backupd_write_config "$conf.new" \
  "listen=$BB_LISTEN" \
  "api_listen=$BB_API_LISTEN" \
  "database=$db_conninfo" \
  "volumes_dir=$BB_STATE_DIR/volumes" \
  "store_path=$BB_STATE_DIR/backups" \
  "port_file=$BB_STATE_DIR/run/backupd.port" \
  "operator_token_file=$token_file"
if bb_backupd_running "$BB_STATE_DIR/run"; then
  if ! cmp -s "$conf.new" "$conf"; then
    bb_log "backupd configuration changed: restarting it"
    bb_backupd_stop "$BB_STATE_DIR/run"
  elif bb_backupd_binary_changed "$backupd" "$BB_STATE_DIR/run"; then
    bb_log "backupd binary changed since it started: restarting it"
    bb_backupd_stop "$BB_STATE_DIR/run"
  fi
fi
mv "$conf.new" "$conf"
if ! bb_backupd_running "$BB_STATE_DIR/run"; then
  # Something else on our port would make the start fail with a confusing message: say so first.
  port=${BB_LISTEN##*:}
  if [[ $port != 0 ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    bb_die "port $port is in use by another process (not this devstack's backupd); set BB_LISTEN"
  fi
  port=${BB_API_LISTEN##*:}
  if [[ $port != 0 ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    bb_die "port $port is in use by another process (not this devstack's backupd); set BB_API_LISTEN"
  fi
fi
bb_backupd_start "$backupd" "$conf" "$BB_STATE_DIR/run" "$backupctl"
endpoint=$(bb_backupd_endpoint "$conf")

cat <<SUMMARY

devstack is up.
  backupd     $endpoint  (pid $(<"$BB_STATE_DIR/run/backupd.pid"), log $BB_STATE_DIR/run/backupd.log)
  config      $conf
  PostgreSQL  $db_conninfo
  volumes     $BB_STATE_DIR/volumes (XFS, reflink, $BB_XFS_SIZE sparse image)
  backups     $BB_STATE_DIR/backups (posix object store)
  CLI         $backupctl --endpoint $endpoint volume list
  admin       BACKUPCTL_OPERATOR_TOKEN_FILE=$token_file $backupctl ...
  REST API    http://$BB_API_LISTEN/v3/PROJECT (Cinder v3; a token: backupctl token create
              --project PROJECT --role member, as admin above)
  stop        $here/unstack.sh [--purge]
SUMMARY
