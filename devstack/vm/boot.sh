#!/usr/bin/env bash
# Boots the test VM in the background and waits until ssh answers (BOOT_TIMEOUT, default 300 s).
#   BB_VM_GUESTFWD="PORT..."  host ports the guest may reach: the guest connects to
#                             10.0.2.100:PORT, qemu connects to the host's 127.0.0.1:PORT (socat)
#   BB_VM_OWNER_PID=PID       stop the VM when that process is gone (a killed test run leaves no
#                             qemu behind; its EXIT trap calling stop.sh covers the normal case)
#   BB_VM_ACCEL=kvm|tcg       default: kvm only when the CPU has vmx/svm, else tcg (see README)
#   BB_VM_MEM (MiB, 2048), BB_VM_CPUS (2), BB_VM_PV_SIZE (2G), BB_VM_SCRATCH_SIZE (4G)
# State in $BB_VM_STATE: qemu.pid, ssh_port, ssh_key, guestfwd, console.log, boot_seconds.
# Disks: a throwaway qcow2 overlay on the cached root image (every boot starts clean), and two
# sparse raw disks: /dev/disk/by-id/virtio-bb-vm-pv (for LVM) and virtio-bb-vm-scratch.
# Network: qemu user mode with restrict=on: the guest reaches nothing but the guestfwd ports; the
# host reaches the guest's sshd on 127.0.0.1:<ssh_port>, a free port chosen here.
set -euo pipefail
# shellcheck source=devstack/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

image=$(bb_vm_image_dir)
for f in rootfs.img vmlinux initrd.img id_ed25519; do
  [[ -s $image/$f ]] || bb_vm_die "no guest image in $image (run devstack/vm/build-image.sh)"
done
command -v qemu-system-x86_64 >/dev/null || bb_vm_die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
if bb_vm_alive; then
  bb_vm_die "a VM already runs for state dir $BB_VM_STATE (pid $(cat "$BB_VM_STATE/qemu.pid")); stop.sh first"
fi

# Real KVM needs VT-x/AMD-V. Where /dev/kvm is PVM (kvm_pvm: software nested virtualisation, no
# vmx/svm in /proc/cpuinfo) a stock Debian kernel does not boot in useful time, so: TCG.
accel_kind=${BB_VM_ACCEL:-}
if [[ -z $accel_kind ]]; then
  if [[ -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel_kind=kvm; else accel_kind=tcg; fi
fi
# shellcheck disable=SC2054 # commas separate qemu's sub-options
case $accel_kind in
  kvm) accel=(-accel kvm -cpu host) ;;
  tcg) accel=(-accel tcg,thread=multi,tb-size=256 -cpu max) ;;
  *) bb_vm_die "BB_VM_ACCEL must be kvm or tcg" ;;
esac

rm -rf "$BB_VM_STATE"
mkdir -p "$BB_VM_STATE"
state=$(cd "$BB_VM_STATE" && pwd)
qemu-img create -q -f qcow2 -F raw -b "$image/rootfs.img" "$state/root.qcow2"
truncate -s "${BB_VM_PV_SIZE:-2G}" "$state/pv.img"
truncate -s "${BB_VM_SCRATCH_SIZE:-4G}" "$state/scratch.img"

ssh_port=$(bb_vm_free_port) || bb_vm_die "no free port for ssh"
netdev="user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$ssh_port-:22"
for p in ${BB_VM_GUESTFWD:-}; do
  [[ $p =~ ^[0-9]+$ ]] || bb_vm_die "BB_VM_GUESTFWD: not a port: $p"
  # qemu runs the command (no shell) for each connection the guest opens to 10.0.2.100:$p.
  netdev+=",guestfwd=tcp:10.0.2.100:$p-cmd:socat STDIO TCP:127.0.0.1:$p"
done
echo "$ssh_port" >"$state/ssh_port"
echo "$image/id_ed25519" >"$state/ssh_key"
echo "${BB_VM_GUESTFWD:-}" >"$state/guestfwd"
echo "$accel_kind" >"$state/accel"

t0=$(date +%s%N)
qemu-system-x86_64 "${accel[@]}" -machine q35 -m "${BB_VM_MEM:-2048}" -smp "${BB_VM_CPUS:-2}" \
  -kernel "$image/vmlinux" -initrd "$image/initrd.img" \
  -append "console=ttyS0 root=LABEL=bb-vm-root rw rootwait loglevel=4 systemd.show_status=0 panic=-1" \
  -drive "file=$state/root.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap" \
  -drive "file=$state/pv.img,if=none,id=pv,format=raw,cache=unsafe,discard=unmap" \
  -device virtio-blk-pci,drive=pv,serial=bb-vm-pv \
  -drive "file=$state/scratch.img,if=none,id=scratch,format=raw,cache=unsafe,discard=unmap" \
  -device virtio-blk-pci,drive=scratch,serial=bb-vm-scratch \
  -netdev "$netdev" -device virtio-net-pci,netdev=n0 -device virtio-rng-pci \
  -display none -serial "file:$state/console.log" \
  -monitor "unix:$state/monitor.sock,server,nowait" \
  -no-reboot -daemonize -pidfile "$state/qemu.pid" ||
  bb_vm_die "qemu did not start (a port taken between choosing and binding? retry)"
qemu_pid=$(cat "$state/qemu.pid")

if [[ -n ${BB_VM_OWNER_PID:-} ]]; then
  # The watchdog outlives this script; its own session, so a Ctrl-C of the caller does not kill it
  # before the caller's trap has run stop.sh.
  # shellcheck disable=SC2016 # $1 and $2 are the watchdog's arguments
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done
    kill -TERM "$2" 2>/dev/null' bb-vm-watchdog "$BB_VM_OWNER_PID" "$qemu_pid" </dev/null >/dev/null 2>&1 &
  echo $! >"$state/watchdog.pid"
fi

bb_vm_ssh_opts
deadline=$((SECONDS + ${BOOT_TIMEOUT:-300}))
until ssh "${BB_VM_SSH[@]}" root@127.0.0.1 true 2>/dev/null; do
  if ! bb_vm_alive; then
    tail -n 40 "$state/console.log" >&2 || true
    bb_vm_die "qemu exited during boot (console above, $state/console.log)"
  fi
  if ((SECONDS >= deadline)); then
    tail -n 40 "$state/console.log" >&2 || true
    "$BB_VM_DIR/stop.sh" || true
    bb_vm_die "ssh did not answer within ${BOOT_TIMEOUT:-300} s"
  fi
  sleep 1
done
ms=$((($(date +%s%N) - t0) / 1000000))
printf '%d.%03d\n' $((ms / 1000)) $((ms % 1000)) >"$state/boot_seconds"
bb_vm_log "guest up ($accel_kind): ssh answers after $(cat "$state/boot_seconds") s (qemu pid $qemu_pid, ssh 127.0.0.1:$ssh_port, guestfwd: ${BB_VM_GUESTFWD:-none})"
