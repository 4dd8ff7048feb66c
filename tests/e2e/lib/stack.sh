#!/usr/bin/env bash
# Sourced by the tests/e2e/*.sh scripts (not a test itself: tests/run.sh runs tests/e2e/*.sh
# only): the isolated stack they share and its teardown, so each script says only what it tests.
#   e2e_begin NAME STATE_PREFIX BIN_NAME...  root or exit 77 (skip); every named binary built
#       (bb_bin) or exit 1, its path in e2e_bin[NAME]; $state: a fresh state dir under /tmp;
#       the EXIT/INT/TERM traps that tear the stack down and print "NAME: PASS|FAIL".
#   e2e_require_cinder           the `cinder` client installed, or exit 1
#   e2e_on_exit CMD...           run first at teardown (stop writers, a front daemon), in order
#   e2e_log_on_fail FILE         tail FILE too when an assertion fails (backupd.log always)
#   e2e_stack_up XFS_SIZE        PostgreSQL (database bb) and an XFS at $state/volumes, plus
#                                $state/backups and $state/run
#   fail MSG                     an assertion failed: print it and the logs' tails, exit 1
#   prop PROPERTY                the value of PROPERTY in cinder's "| Property | Value |" table
#   result=PASS                  what the script sets when it got to the end
# shellcheck disable=SC2034 # result and e2e_bin are read by the scripts and the traps
e2e_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck source=devstack/lib/common.sh
source "$e2e_root/devstack/lib/common.sh"
# shellcheck source=devstack/lib/build.sh
source "$e2e_root/devstack/lib/build.sh"
# shellcheck source=devstack/lib/postgres.sh
source "$e2e_root/devstack/lib/postgres.sh"
# shellcheck source=devstack/lib/xfs.sh
source "$e2e_root/devstack/lib/xfs.sh"
# shellcheck source=devstack/lib/backupd.sh
source "$e2e_root/devstack/lib/backupd.sh"

declare -A e2e_bin=()
e2e_exit_cmds=()
e2e_fail_logs=()
result=FAIL
state=""

e2e_begin() { # NAME STATE_PREFIX BIN_NAME...
  name=$1
  local prefix=$2 b path
  shift 2
  if ((EUID != 0)); then
    echo "$name: SKIP (needs root: loop devices and mounts)"
    exit 77
  fi
  for b in "$@"; do
    path=$(bb_bin "$b")
    if [[ ! -x $path ]]; then
      echo "$name: FAIL: $path is not built (run tests/run.sh, or build with devstack/lib/build.sh)"
      exit 1
    fi
    e2e_bin[$b]=$path
  done
  state=$(mktemp -d "/tmp/$prefix.XXXXXX")
  chmod 755 "$state"
  trap e2e_teardown EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

e2e_require_cinder() {
  if ! command -v cinder >/dev/null; then
    echo "$name: FAIL: the cinder client is not installed (devstack/install-deps.sh installs" \
      "python3-cinderclient)"
    exit 1
  fi
}

e2e_on_exit() { e2e_exit_cmds+=("$*"); }
e2e_log_on_fail() { e2e_fail_logs+=("$1"); }

e2e_teardown() {
  local rc=$? cmd
  trap '' INT TERM
  set +e
  for cmd in "${e2e_exit_cmds[@]}"; do eval "$cmd"; done
  bb_backupd_stop "$state/run" >/dev/null
  bb_loop_detach_under "$state" >/dev/null
  bb_xfs_down "$state/xfs.img" "$state/volumes" >/dev/null
  (bb_pg_stop "$state/pg") >/dev/null 2>&1
  if mountpoint -q "$state/volumes" 2>/dev/null; then
    echo "$name: WARNING: $state/volumes is still mounted; not removing $state" >&2
  else
    rm -rf --one-file-system "$state"
  fi
  ((rc == 0)) || result=FAIL
  echo "$name: $result"
  exit "$rc"
}

# A helper process started with & that teardown must stop: e2e_on_exit "e2e_kill_pid \$pid".
e2e_kill_pid() {
  [[ -n ${1:-} ]] && bb_pid_alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

fail() {
  local log
  echo "$name: assertion failed: $*" >&2
  for log in "$state/run/backupd.log" "${e2e_fail_logs[@]}"; do
    if [[ -s $log ]]; then
      echo "--- last lines of $log:" >&2
      tail -n 20 "$log" >&2
    fi
  done
  exit 1
}

e2e_stack_up() { # XFS_SIZE
  (
    BB_PG_FAST=1
    bb_pg_start "$state/pg" $((20000 + RANDOM % 20000))
    bb_pg_create_db "$state/pg" bb
  ) || fail "PostgreSQL did not start"
  bb_xfs_up "$state/xfs.img" "$state/volumes" "$1"
  mkdir -p "$state/backups" "$state/run"
}

prop() { awk -F'|' -v k="$1" '{gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $3)} $2 == k {print $3; exit}'; }
