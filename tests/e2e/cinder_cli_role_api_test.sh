#!/usr/bin/env bash
# The real `cinder` client against a role api backupd (the REST API alone) in front of a role
# all backupd (grpc_auth = token) on an isolated stack (own PostgreSQL, XFS image, free ports):
# create a volume, attachment-create (a real loop device on the daemon behind), backup-create
# without --force refused with Cinder's message (the same 400 as in process), --force accepted,
# backup-list, backup-show, backup-restore into a new volume (the data is there), another
# project's member gets 404, backup-delete, attachment-delete, delete. Every call crosses the
# gRPC hop with the caller's token. Needs root (loop devices, mounts) and a build.
# Exit 0 = PASS, 77 = skipped.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/e2e/lib/stack.sh
source "$root/tests/e2e/lib/stack.sh"

e2e_begin cinder_cli_role_api_test bb-e2e-roleapi backupd backupctl
e2e_require_cinder
backupd=${e2e_bin[backupd]}
backupctl=${e2e_bin[backupctl]}
front_pid=
# shellcheck disable=SC2016 # expanded at teardown, when the pid is known
e2e_on_exit 'e2e_kill_pid "$front_pid"'
e2e_log_on_fail "$state/front.log"

# --- the daemon behind: role all, tokens checked on gRPC ----------------------------------------
e2e_stack_up 2G
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/operator-token"
conf=$state/backupd.conf
database=$(bb_pg_conninfo "$state/pg" bb)
bb_backupd_write_config "$conf" \
  "listen=127.0.0.1:0" "grpc_auth=token" \
  "api_listen=127.0.0.1:0" "api_port_file=$state/run/api.port" \
  "database=$database" "host=e2e-roleapi-$(hostname)" \
  "volumes_dir=$state/volumes" "store_path=$state/backups" \
  "port_file=$state/run/backupd.port" "operator_token_file=$state/operator-token" \
  "log_level=debug"
# (grpc_auth = token: the start-up check's backupctl call needs the operator token.)
BACKUPCTL_OPERATOR_TOKEN_FILE=$state/operator-token \
  bb_backupd_start "$backupd" "$conf" "$state/run" "$backupctl"
behind=$(bb_backupd_endpoint "$conf")
in_process="http://127.0.0.1:$(tr -d '[:space:]' <"$state/run/api.port")"

# --- role api in front of it ------------------------------------------------------------------------
cat >"$state/front.conf" <<CONF
role = api
database = $database
schema_dir = $root/schema
backup_service_address = $behind
api_listen = 127.0.0.1:0
api_port_file = $state/front.port
log_level = debug
CONF
nohup "$backupd" --config "$state/front.conf" </dev/null >"$state/front.log" 2>&1 &
front_pid=$!
for ((i = 0; i < 300; i++)); do
  [[ -s $state/front.port ]] && break
  bb_pid_alive "$front_pid" || fail "role api exited during start-up: $(tail -n 5 "$state/front.log")"
  sleep 0.1
done
[[ -s $state/front.port ]] || fail "role api wrote no port file"
api="http://127.0.0.1:$(tr -d '[:space:]' <"$state/front.port")"
grep -q "role=api, REST API only" "$state/front.log" || fail "no role api line in its log"

ctl() { "$backupctl" --endpoint "$behind" --operator-token-file "$state/operator-token" "$@"; }
member_a=$(ctl token create --project proja --role member 2>/dev/null) || fail "token create"
member_b=$(ctl token create --project projb --role member 2>/dev/null) || fail "token create"
cinder_at() { # URL TOKEN PROJECT ARGS...
  local url=$1 token=$2 project=$3
  shift 3
  cinder --os-auth-type admin_token --os-token "$token" --os-endpoint "$url/v3/$project" \
    --os-project-id "$project" "$@" 2>"$state/cinder.err"
}
cinder_a() { cinder_at "$api" "$member_a" proja "$@"; }
cinder_b() { cinder_at "$api" "$member_b" projb "$@"; }
wait_backup() { # ID WHILE_STATUS
  local s i
  for ((i = 0; i < 600; i++)); do
    s=$(cinder_a backup-show "$1" | prop status || true)
    [[ $s != "$2" ]] && break
    sleep 0.1
  done
  echo "$s"
}

bb_log "through role api: cinder create / attachment-create"
vol=$(cinder_a create --name e2e-src 1 | prop id) || fail "cinder create: $(cat "$state/cinder.err")"
[[ -n $vol ]] || fail "no volume id"
instance=$(</proc/sys/kernel/random/uuid)
out=$(cinder_a attachment-create --connect True --initiator iqn.2026-11.test:e2e --ip 127.0.0.1 \
  --host "$(hostname)" --mountpoint /dev/vdb "$vol" "$instance") ||
  fail "attachment-create: $(cat "$state/cinder.err")"
attachment=$(prop id <<<"$out")
dev=$(sed -n "s/.*'device_path': '\([^']*\)'.*/\1/p" <<<"$out")
[[ -b $dev ]] || fail "attachment device '$dev' is not a block device: $out"
[[ $(cinder_a show "$vol" | prop status) == in-use ]] || fail "volume not in-use"
dd if=/dev/urandom of="$dev" bs=1M count=8 oflag=direct status=none
sum=$(dd if="$dev" bs=1M count=8 iflag=direct status=none | sha256sum | cut -d' ' -f1)

bb_log "through role api: backup-create without --force (400, as in process), with --force"
if cinder_a backup-create "$vol" >/dev/null; then fail "backup of an in-use volume without --force was accepted"; fi
front_err=$(cat "$state/cinder.err")
grep -q "Backing up an in-use volume must use the force flag. (HTTP 400)" <<<"$front_err" ||
  fail "unexpected refusal: $front_err"
if cinder_at "$in_process" "$member_a" proja backup-create "$vol" >/dev/null; then
  fail "the in-process API accepted it"
fi
[[ $(grep -o "Backing up.*(HTTP 400)" "$state/cinder.err") == $(grep -o "Backing up.*(HTTP 400)" <<<"$front_err") ]] ||
  fail "different refusals: $front_err / $(cat "$state/cinder.err")"
backup=$(cinder_a backup-create --force --name e2e-b1 "$vol" | prop id) ||
  fail "backup-create --force: $(cat "$state/cinder.err")"
[[ $(wait_backup "$backup" creating) == available ]] || fail "backup did not become available"
listed=$(cinder_a backup-list) || fail "backup-list: $(cat "$state/cinder.err")"
grep -q "$backup" <<<"$listed" || fail "backup-list does not show $backup"
[[ $(cinder_a backup-show "$backup" | prop name) == e2e-b1 ]] || fail "backup-show name"

bb_log "through role api: backup-restore into a new volume"
restored=$(cinder_a backup-restore --name e2e-restored "$backup" | prop volume_id) ||
  fail "backup-restore: $(cat "$state/cinder.err")"
[[ $(wait_backup "$backup" restoring) == available ]] || fail "restore did not finish"
[[ $(cinder_a show "$restored" | prop status) == available ]] || fail "restored volume status"
got=$(dd if="$state/volumes/volume-$restored" bs=1M count=8 status=none | sha256sum | cut -d' ' -f1)
[[ $got == "$sum" ]] || fail "restored data differs ($got != $sum)"

bb_log "through role api: another project gets 404"
if cinder_b backup-show "$backup" >/dev/null; then fail "project b sees project a's backup"; fi
grep -q "No volumebackup with a name or ID of '$backup' exists" "$state/cinder.err" ||
  fail "not a 404: $(cat "$state/cinder.err")"
grep -q "GET /v3/projb/backups/$backup 404" "$state/front.log" || fail "no 404 in the front's log"
if cinder_b delete "$vol" >/dev/null; then fail "project b deleted project a's volume"; fi

bb_log "through role api: backup-delete, attachment-delete, delete"
cinder_a backup-delete "$backup" || fail "backup-delete: $(cat "$state/cinder.err")"
for ((i = 0; i < 600; i++)); do
  cinder_a backup-show "$backup" >/dev/null || break
  sleep 0.1
done
cinder_a backup-show "$backup" >/dev/null && fail "backup still there after delete"
cinder_a attachment-delete "$attachment" || fail "attachment-delete: $(cat "$state/cinder.err")"
[[ $(cinder_a show "$vol" | prop status) == available ]] || fail "volume not available after detach"
cinder_a delete "$restored" || fail "delete: $(cat "$state/cinder.err")"
cinder_a delete "$vol" || fail "delete: $(cat "$state/cinder.err")"

grep -qF "${member_a#bbt_}" "$state/front.log" && fail "a token is in the role api log"
result=PASS
