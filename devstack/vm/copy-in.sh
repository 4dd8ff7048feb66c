#!/usr/bin/env bash
# Copies host files or directories into a directory of the guest (created if missing), keeping
# modes: copy-in.sh SRC... GUEST_DIR. Through tar over ssh (the guest has no sftp server).
set -euo pipefail
# shellcheck source=devstack/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
(($# >= 2)) || bb_vm_die "usage: copy-in.sh SRC... GUEST_DIR"
dest=${*: -1}
bb_vm_ssh_opts
for src in "${@:1:$#-1}"; do
  [[ -e $src ]] || bb_vm_die "no such file: $src"
  src=$(realpath "$src")
  tar -C "$(dirname "$src")" -cf - "$(basename "$src")" |
    ssh "${BB_VM_SSH[@]}" root@127.0.0.1 -- "mkdir -p $(printf '%q' "$dest") && tar -C $(printf '%q' "$dest") -xf -"
done
