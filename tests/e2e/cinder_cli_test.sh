#!/usr/bin/env bash
# End to end with the real OpenStack client: Debian's `cinder` (python3-cinderclient) against the
# REST API of backupd on an isolated stack (own state dir under /tmp, own PostgreSQL, own XFS
# image, backupd and its REST API on free 127.0.0.1 ports).
#   tokens made with `backupctl token create` (operator); cinder with --os-auth-type admin_token:
#   create a volume, attachment-create (a real loop device), write a pattern to it;
#   backup-create without --force is refused with Cinder's message; --force succeeds (a temporary
#   reflink snapshot) and the volume stays in-use; backup-list, backup-show; backup-restore into a
#   new volume: the pattern is there; backup-export gives a record, backup-import of it here is
#   refused (its id is taken: our rule); backup-reset-state (admin); another project's member gets
#   404 for our backup and volume; backup-delete; attachment-delete.
#   Then backupd with the REST API on HTTPS (api_tls_*, a throw-away CA from
#   tests/tools/make_test_pki.sh): cinder with --os-cacert runs create, backup-create --force,
#   backup-list, backup-show, backup-restore (the data is there), backup-delete; project b's token
#   still gets 404 for project a's backup; plain HTTP to that port and cinder without the CA fail.
#   Then backupd again with api_auth = noauth: cinder --os-auth-type noauth lists the volume.
#   No token appears in backupd's log.
# Needs root (loop devices, mounts) and a build. Exit 0 = PASS, 77 = skipped.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/e2e/lib/stack.sh
source "$root/tests/e2e/lib/stack.sh"

e2e_begin cinder_cli_test bb-e2e-cinder backupd backupctl
e2e_require_cinder
backupd=${e2e_bin[backupd]}
backupctl=${e2e_bin[backupctl]}

# --- the isolated stack ---------------------------------------------------------------------
e2e_stack_up 2G
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/operator-token"
conf=$state/backupd.conf
write_conf() { # api_auth [KEY=VALUE...]
  local auth=$1
  shift
  bb_backupd_write_config "$conf" "$@" \
    "listen=127.0.0.1:0" \
    "api_listen=127.0.0.1:0" \
    "api_port_file=$state/run/api.port" \
    "api_auth=$auth" \
    "database=$(bb_pg_conninfo "$state/pg" bb)" \
    "host=e2e-cinder-$(hostname)" \
    "volumes_dir=$state/volumes" \
    "store_path=$state/backups" \
    "port_file=$state/run/backupd.port" \
    "operator_token_file=$state/operator-token" \
    "log_level=debug"
}
write_conf token
bb_backupd_start "$backupd" "$conf" "$state/run" "$backupctl"
api="http://127.0.0.1:$(tr -d '[:space:]' <"$state/run/api.port")"
ctl() { "$backupctl" --endpoint "$(bb_backupd_endpoint "$conf")" --operator-token-file \
  "$state/operator-token" "$@"; }

admin_a=$(ctl token create --project proja --role admin 2>/dev/null) || fail "token create"
member_b=$(ctl token create --project projb --role member 2>/dev/null) || fail "token create"
[[ $admin_a == bbt_* && $member_b == bbt_* ]] || fail "tokens look wrong"
cinder_a() { cinder --os-auth-type admin_token --os-token "$admin_a" \
  --os-endpoint "$api/v3/proja" --os-project-id proja "$@" 2>"$state/cinder.err"; }
cinder_b() { cinder --os-auth-type admin_token --os-token "$member_b" \
  --os-endpoint "$api/v3/projb" --os-project-id projb "$@" 2>"$state/cinder.err"; }
backup_status() { cinder_a backup-show "$1" | prop status; }
wait_backup() { # ID WHILE_STATUS
  local s i
  for ((i = 0; i < 600; i++)); do
    s=$(backup_status "$1" || true)
    [[ $s != "$2" ]] && break
    sleep 0.1
  done
  echo "$s"
}

# --- volume, attachment, data -----------------------------------------------------------------
bb_log "cinder create / attachment-create"
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

# --- backups ----------------------------------------------------------------------------------
bb_log "cinder backup-create without and with --force"
if cinder_a backup-create "$vol" >/dev/null; then fail "backup of an in-use volume without --force was accepted"; fi
grep -q "Backing up an in-use volume must use the force flag. (HTTP 400)" "$state/cinder.err" ||
  fail "unexpected refusal: $(cat "$state/cinder.err")"
backup=$(cinder_a backup-create --force --name e2e-b1 "$vol" | prop id) ||
  fail "backup-create --force: $(cat "$state/cinder.err")"
[[ $(wait_backup "$backup" creating) == available ]] || fail "backup did not become available"
[[ $(cinder_a show "$vol" | prop status) == in-use ]] || fail "volume not in-use after the backup"
# (Output captured first: with pipefail, grep -q closing the pipe early would fail cinder.)
listed=$(cinder_a backup-list) || fail "backup-list: $(cat "$state/cinder.err")"
grep -q "$backup" <<<"$listed" || fail "backup-list does not show $backup"
[[ $(cinder_a backup-show "$backup" | prop name) == e2e-b1 ]] || fail "backup-show name"

bb_log "cinder backup-restore into a new volume"
restored=$(cinder_a backup-restore --name e2e-restored "$backup" | prop volume_id) ||
  fail "backup-restore: $(cat "$state/cinder.err")"
[[ $(wait_backup "$backup" restoring) == available ]] || fail "restore did not finish"
[[ $(cinder_a show "$restored" | prop status) == available ]] || fail "restored volume status"
got=$(dd if="$state/volumes/volume-$restored" bs=1M count=8 status=none | sha256sum | cut -d' ' -f1)
[[ $got == "$sum" ]] || fail "restored data differs ($got != $sum)"

bb_log "cinder backup-export / backup-import / backup-reset-state"
record=$(cinder_a backup-export "$backup") || fail "backup-export: $(cat "$state/cinder.err")"
service=$(prop backup_service <<<"$record")
url=$(prop backup_url <<<"$record")
[[ $service == posix && -n $url ]] || fail "export record: $record"
if cinder_a backup-import "$service" "$url" >/dev/null; then fail "import of an existing id was accepted"; fi
grep -q "already exists" "$state/cinder.err" || fail "import refusal: $(cat "$state/cinder.err")"
cinder_a backup-reset-state --state error "$backup" || fail "reset-state: $(cat "$state/cinder.err")"
[[ $(backup_status "$backup") == error ]] || fail "reset-state did not set error"
cinder_a backup-reset-state --state available "$backup" || fail "reset-state available"

bb_log "another project: 404 for our ids"
if cinder_b backup-show "$backup" >/dev/null; then fail "project b sees project a's backup"; fi
# cinder turns the 404 of the id into a search by name, which finds nothing either.
grep -q "No volumebackup with a name or ID of '$backup' exists" "$state/cinder.err" ||
  fail "not a 404: $(cat "$state/cinder.err")"
grep -q "GET /v3/projb/backups/$backup 404" "$state/run/backupd.log" || fail "no 404 in the log"
if cinder_b delete "$vol" >/dev/null; then fail "project b deleted project a's volume"; fi
listed=$(cinder_b list) || fail "list: $(cat "$state/cinder.err")"
grep -q "$vol" <<<"$listed" && fail "project b lists project a's volume"

bb_log "cinder quota-update / quota-show / quota-usage, over quota: 413"
out=$(cinder_a quota-update --backups 1 proja) || fail "quota-update: $(cat "$state/cinder.err")"
[[ $(prop backups <<<"$out") == 1 ]] || fail "quota-update output: $out"
[[ $(cinder_a quota-show proja | prop backups) == 1 ]] || fail "quota-show after update"
usage=$(cinder_a quota-usage proja) || fail "quota-usage: $(cat "$state/cinder.err")"
grep -Eq "^\| *backups *\| *1 *\| *0 *\| *1 *\|" <<<"$usage" || fail "quota-usage: $usage"
if cinder_a backup-create --force "$vol" >/dev/null; then fail "a backup over the quota was accepted"; fi
grep -q "BackupLimitExceeded: Maximum number of backups allowed (1) exceeded (HTTP 413)" \
  "$state/cinder.err" || fail "over-quota refusal: $(cat "$state/cinder.err")"
if cinder_b quota-update --backups 5 projb >/dev/null; then fail "a member changed a quota"; fi
cinder_a quota-delete proja || fail "quota-delete: $(cat "$state/cinder.err")"
[[ $(cinder_a quota-show proja | prop backups) == 10 ]] || fail "quota-show after quota-delete"

bb_log "cinder backup-delete, attachment-delete, delete"
cinder_a backup-delete "$backup" || fail "backup-delete: $(cat "$state/cinder.err")"
for ((i = 0; i < 600; i++)); do
  cinder_a backup-show "$backup" >/dev/null || break
  sleep 0.1
done
cinder_a backup-show "$backup" >/dev/null && fail "backup still there after delete"
cinder_a attachment-delete "$attachment" || fail "attachment-delete: $(cat "$state/cinder.err")"
[[ $(cinder_a show "$vol" | prop status) == available ]] || fail "volume not available after detach"
cinder_a delete "$restored" || fail "delete: $(cat "$state/cinder.err")"

# --- the same over HTTPS -------------------------------------------------------------------------
bb_log "backupd with the REST API on HTTPS: cinder --os-cacert"
"$root/tests/tools/make_test_pki.sh" "$state/pki" || fail "make_test_pki.sh"
bb_backupd_stop "$state/run"
write_conf token "api_tls_cert_file=$state/pki/server.pem" "api_tls_key_file=$state/pki/server.key"
bb_backupd_start "$backupd" "$conf" "$state/run" "$backupctl"
https_api="https://127.0.0.1:$(tr -d '[:space:]' <"$state/run/api.port")"
tls_a() { cinder --os-cacert "$state/pki/ca.pem" --os-auth-type admin_token --os-token "$admin_a" \
  --os-endpoint "$https_api/v3/proja" --os-project-id proja "$@" 2>"$state/cinder.err"; }
tls_b() { cinder --os-cacert "$state/pki/ca.pem" --os-auth-type admin_token --os-token "$member_b" \
  --os-endpoint "$https_api/v3/projb" --os-project-id projb "$@" 2>"$state/cinder.err"; }
tls_wait_backup() { # ID WHILE_STATUS
  local s i
  for ((i = 0; i < 600; i++)); do
    s=$(tls_a backup-show "$1" | prop status || true)
    [[ $s != "$2" ]] && break
    sleep 0.1
  done
  echo "$s"
}
tls_vol=$(tls_a create --name e2e-tls 1 | prop id) || fail "create over TLS: $(cat "$state/cinder.err")"
[[ -n $tls_vol ]] || fail "no volume id over TLS"
# The volume written earlier (detached now), backed up with --force over HTTPS.
tls_backup=$(tls_a backup-create --force --name e2e-tls-b "$vol" | prop id) ||
  fail "backup-create --force over TLS: $(cat "$state/cinder.err")"
[[ $(tls_wait_backup "$tls_backup" creating) == available ]] || fail "TLS backup not available"
listed=$(tls_a backup-list) || fail "backup-list over TLS: $(cat "$state/cinder.err")"
grep -q "$tls_backup" <<<"$listed" || fail "backup-list over TLS does not show $tls_backup"
[[ $(tls_a backup-show "$tls_backup" | prop name) == e2e-tls-b ]] || fail "backup-show over TLS"
tls_a backup-restore --volume "$tls_vol" "$tls_backup" >/dev/null ||
  fail "backup-restore over TLS: $(cat "$state/cinder.err")"
[[ $(tls_wait_backup "$tls_backup" restoring) == available ]] || fail "TLS restore did not finish"
got=$(dd if="$state/volumes/volume-$tls_vol" bs=1M count=8 status=none | sha256sum | cut -d' ' -f1)
[[ $got == "$sum" ]] || fail "data restored over TLS differs ($got != $sum)"
if tls_b backup-show "$tls_backup" >/dev/null; then fail "project b sees project a's backup over TLS"; fi
grep -q "No volumebackup with a name or ID of '$tls_backup' exists" "$state/cinder.err" ||
  fail "not a 404 over TLS: $(cat "$state/cinder.err")"
listed=$(tls_b backup-list) || fail "backup-list of project b over TLS: $(cat "$state/cinder.err")"
grep -q "$tls_backup" <<<"$listed" && fail "project b lists project a's backup over TLS"
# Plain HTTP to the HTTPS port, and HTTPS without trusting the CA, are refused.
if cinder --os-auth-type admin_token --os-token "$admin_a" --os-project-id proja \
  --os-endpoint "http://${https_api#https://}/v3/proja" backup-list >/dev/null 2>&1; then
  fail "plain HTTP to the TLS port was answered"
fi
if cinder --os-auth-type admin_token --os-token "$admin_a" --os-project-id proja \
  --os-endpoint "$https_api/v3/proja" backup-list >/dev/null 2>"$state/cinder.err"; then
  fail "cinder trusted a certificate of an unknown CA"
fi
grep -qi "certificate" "$state/cinder.err" || fail "no certificate error: $(cat "$state/cinder.err")"
tls_a backup-delete "$tls_backup" || fail "backup-delete over TLS: $(cat "$state/cinder.err")"
for ((i = 0; i < 600; i++)); do
  tls_a backup-show "$tls_backup" >/dev/null || break
  sleep 0.1
done
tls_a backup-show "$tls_backup" >/dev/null && fail "TLS backup still there after delete"
tls_a delete "$tls_vol" || fail "delete over TLS: $(cat "$state/cinder.err")"

# --- noauth ------------------------------------------------------------------------------------
bb_log "backupd with api_auth = noauth: cinder --os-auth-type noauth"
bb_backupd_stop "$state/run"
write_conf noauth
bb_backupd_start "$backupd" "$conf" "$state/run" "$backupctl"
api="http://127.0.0.1:$(tr -d '[:space:]' <"$state/run/api.port")"
listed=$(cinder --os-auth-type noauth --os-user-id e2e-user --os-project-id proja \
  --os-endpoint "$api/v3" list 2>"$state/cinder.err") || fail "noauth: $(cat "$state/cinder.err")"
grep -q "$vol" <<<"$listed" || fail "noauth list does not show $vol: $listed"

# --- tokens never in the log -------------------------------------------------------------------
grep -qF "${admin_a#bbt_}" "$state/run/backupd.log" && fail "a token is in backupd.log"
grep -qF "${member_b#bbt_}" "$state/run/backupd.log" && fail "a token is in backupd.log"
result=PASS
