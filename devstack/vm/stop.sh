#!/usr/bin/env bash
# Stops the VM of $BB_VM_STATE and deletes its state (overlay and scratch disks, ports, logs).
# No clean shutdown: every disk of a boot is throwaway, so SIGTERM to qemu is enough (SIGKILL
# after 10 s). A no-op when no VM runs.
set -uo pipefail
# shellcheck source=devstack/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -d $BB_VM_STATE ]] || exit 0
if [[ -s $BB_VM_STATE/watchdog.pid ]]; then
  kill -TERM "$(cat "$BB_VM_STATE/watchdog.pid")" 2>/dev/null || true
fi
if bb_vm_alive; then
  pid=$(cat "$BB_VM_STATE/qemu.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  bb_vm_log "stopped qemu $pid"
fi
[[ -n ${BB_VM_KEEP_CONSOLE:-} && -s $BB_VM_STATE/console.log ]] && cp "$BB_VM_STATE/console.log" "$BB_VM_KEEP_CONSOLE"
rm -rf "$BB_VM_STATE"
