# shellcheck shell=bash
# Shared helpers for the devstack and test scripts. Source it; it defines functions only.
# BB_ROOT: the repository root (derived from this file's location).

BB_ROOT=${BB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# losetup, mkfs.xfs, blockdev live in sbin, which a non-login shell may not have on PATH.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export BB_ROOT PATH

bb_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
bb_warn() { printf '[%s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bb_die() {
  printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

bb_require_root() {
  ((EUID == 0)) || bb_die "needs root: $* (loop devices, mount)"
}

# bb_wait_for SECONDS CMD...: runs CMD every 0.2 s until it succeeds; fails after SECONDS.
bb_wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# bb_pid_alive PID: the process exists and is not a zombie.
bb_pid_alive() {
  local state
  [[ -n ${1:-} && -r /proc/$1/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# bb_now_us: wall clock in microseconds.
bb_now_us() { echo $(($(date +%s%N) / 1000)); }
