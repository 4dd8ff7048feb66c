# shellcheck shell=bash
# tgtd, the Linux SCSI target framework's userspace iSCSI target (Debian package `tgt`), as a
# system service of the devstack: the iSCSI target helper (volume_drivers/targets/tgt_target.h)
# drives it with tgtadm. It is never a child of backupd (a killed backupd would orphan it, or take
# every export with it). Needs root. Requires common.sh.
#   bb_tgt_start [PORTAL]  start tgtd with its iSCSI portal on PORTAL (default 127.0.0.1:3260,
#                          loopback only) unless a tgtd already answers tgtadm; prints "started"
#                          or "running" (a tgtd started by someone else is used as it is)
#   bb_tgt_stop            remove every target and account, stop tgtd, wait until it is gone;
#                          no-op when none runs
#   bb_tgt_running         true when a tgtd answers on its management socket
# Run as a script, it does the same: `devstack/lib/tgt.sh start [PORTAL]|stop|status`.
# BB_TGT_PIDFILE: where tgtd writes its pid (default /run/blockbackup-tgtd.pid).

BB_TGT_PIDFILE=${BB_TGT_PIDFILE:-/run/blockbackup-tgtd.pid}

bb_tgt_running() {
  tgtadm --lld iscsi --mode system --op show >/dev/null 2>&1
}

bb_tgt_start() {
  local portal=${1:-127.0.0.1:3260} log
  bb_tgt_running && {
    echo running
    return 0
  }
  command -v tgtd >/dev/null || bb_die "tgtd is not installed (devstack/install-deps.sh installs tgt)"
  # A tgtd that cannot bind its portal does not fail: it listens on 0.0.0.0:3260 and [::]:3260
  # instead (tgt 1.0.85), on every address and maybe not where initiators are sent. So a taken
  # port is refused here, and the portal checked once tgtd answers.
  local holder
  if command -v ss >/dev/null && holder=$(ss -Hltnp "sport = :${portal##*:}") && [[ -n $holder ]]; then
    bb_die "cannot start tgtd on the iSCSI portal $portal: port ${portal##*:} is in use ($holder); stop that program or choose another portal (volume_driver.iscsi_portal)"
  fi
  log=$(mktemp /tmp/bb-tgtd-start.XXXXXX)
  # Without -f tgtd daemonises itself (its stdio on /dev/null), so it outlives this shell and the
  # process that ran it. Its portal is the only listening socket; iSER needs RDMA and fails
  # harmlessly here ("Failed to initialize RDMA").
  if ! tgtd --iscsi "portal=$portal" --pid-file "$BB_TGT_PIDFILE" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    bb_die "tgtd did not start"
  fi
  rm -f "$log"
  bb_wait_for 10 bb_tgt_running || bb_die "tgtd started but does not answer tgtadm"
  # The Debian unit sets the state to ready after loading its config; a fresh tgtd is ready
  # already, but saying so costs nothing and matches the unit.
  tgtadm --op update --mode sys --name State -v ready >/dev/null
  if ! tgtadm --lld iscsi --mode portal --op show | grep -qxF "Portal: $portal,1"; then
    local listening
    listening=$(tgtadm --lld iscsi --mode portal --op show | sed 's/^Portal: //' | tr '\n' ' ')
    bb_tgt_stop
    bb_die "tgtd could not listen on the iSCSI portal $portal (it listened on: $listening); is the port in use?"
  fi
  echo started
}

bb_tgt_stop() {
  local pid="" tid
  bb_tgt_running || return 0
  [[ -r $BB_TGT_PIDFILE ]] && pid=$(<"$BB_TGT_PIDFILE")
  tgtadm --op update --mode sys --name State -v offline >/dev/null 2>&1 || true
  # tgtd refuses to exit while targets exist: remove them (with their sessions) first.
  for tid in $(tgtadm --lld iscsi --mode target --op show | sed -n 's/^Target \([0-9]*\): .*/\1/p'); do
    tgtadm --lld iscsi --mode target --op delete --force --tid "$tid" >/dev/null 2>&1 || true
  done
  tgtadm --op delete --mode system >/dev/null 2>&1 || true
  if ! bb_wait_for 10 bash -c '! tgtadm --lld iscsi --mode system --op show'; then
    if [[ -n $pid ]] && bb_pid_alive "$pid"; then
      bb_warn "tgtd (pid $pid) did not exit; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    else
      bb_die "tgtd did not exit and its pid is unknown"
    fi
  fi
  if [[ -n $pid ]]; then
    bb_wait_for 10 bash -c "! [[ -e /proc/$pid ]] || grep -q '^State:.*Z' /proc/$pid/status" ||
      bb_die "tgtd (pid $pid) is still there"
  fi
  rm -f "$BB_TGT_PIDFILE"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  # shellcheck source=devstack/lib/common.sh
  source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"
  case ${1:-} in
    start) bb_tgt_start "${2:-}" ;;
    stop) bb_tgt_stop ;;
    status) if bb_tgt_running; then echo running; else
      echo stopped
      exit 3
    fi ;;
    *)
      echo "usage: $0 start [PORTAL]|stop|status" >&2
      exit 2
      ;;
  esac
fi
