# shellcheck shell=bash
# Settings and helpers shared by the devstack/vm scripts. Sourced, defines variables and functions.
#   BB_VM_CACHE  cache directory for built images (default /var/cache/bb-devstack-vm; never in the
#                repository). One subdirectory per image key: images/<key>/{rootfs.img,vmlinux,
#                initrd.img,id_ed25519}. The key is a hash of guest-packages.txt and build-image.sh,
#                so a change to either builds a new image.
#   BB_VM_STATE  per-boot state directory (default $BB_VM_CACHE/run): qemu pid, ports, overlay
#                disk, console log. Two VMs at once need two state directories.

BB_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BB_VM_CACHE=${BB_VM_CACHE:-/var/cache/bb-devstack-vm}
BB_VM_STATE=${BB_VM_STATE:-$BB_VM_CACHE/run}
# boot.sh and stop.sh delete the state dir: never / or a top-level directory.
if [[ -z $BB_VM_STATE || $BB_VM_STATE == / || ($BB_VM_STATE == /* && $BB_VM_STATE != /*/?*) ]]; then
  echo "BB_VM_STATE=$BB_VM_STATE: must be a directory of its own (e.g. /tmp/bb-vm)" >&2
  exit 2
fi
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

bb_vm_log() { printf '[vm %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bb_vm_die() {
  printf '[vm %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

# The packages of guest-packages.txt, one per line (comments and blank lines dropped).
bb_vm_packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$BB_VM_DIR/guest-packages.txt"; }

# The image key: what the image is built from. Only the inputs that change the image count.
bb_vm_image_key() {
  cat "$BB_VM_DIR/guest-packages.txt" "$BB_VM_DIR/build-image.sh" | sha256sum | cut -c1-16
}

bb_vm_image_dir() { echo "$BB_VM_CACHE/images/$(bb_vm_image_key)"; }

# The ssh key of the image the state directory's VM was booted from (boot.sh records it).
bb_vm_ssh_opts() { # prints nothing, sets the array BB_VM_SSH
  local port key
  port=$(cat "$BB_VM_STATE/ssh_port" 2>/dev/null) || bb_vm_die "no VM running for state dir $BB_VM_STATE (boot.sh first)"
  key=$(cat "$BB_VM_STATE/ssh_key")
  # shellcheck disable=SC2034 # used by the scripts that source this
  BB_VM_SSH=(-i "$key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes -o ServerAliveInterval=15
    -o ServerAliveCountMax=8)
}

# The VM of the state directory is running (its qemu process is alive).
bb_vm_alive() {
  local pid
  pid=$(cat "$BB_VM_STATE/qemu.pid" 2>/dev/null) || return 1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q qemu-system
}

# A free TCP port on 127.0.0.1 (bind-and-release through python would be nicer; bash's /dev/tcp
# only connects, so: a random high port nothing is listening on).
bb_vm_free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}
