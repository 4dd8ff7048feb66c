#!/usr/bin/env bash
# Runs one command in the guest as root over ssh, its argv preserved (each argument is quoted for
# the guest's shell, so `run.sh sh -c 'a; b'` and arguments with spaces work). stdin, stdout,
# stderr and the exit code are the command's own; 255 means ssh could not connect.
#   devstack/vm/run.sh lvs --reportformat json
#   devstack/vm/run.sh bash -s <script.sh
set -uo pipefail
# shellcheck source=devstack/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
(($#)) || bb_vm_die "usage: run.sh COMMAND [ARG...]"
bb_vm_ssh_opts
cmd=$(printf '%q ' "$@")
exec ssh "${BB_VM_SSH[@]}" root@127.0.0.1 -- "$cmd"
