#!/usr/bin/env bash
# Builds the test VM's guest image: Debian 12 from deb.debian.org with mmdebstrap (packages:
# guest-packages.txt), a kernel (Debian's linux-image-amd64, as an uncompressed vmlinux), its
# initrd, an ext4 root image and an ssh key (key-only root login) generated for this image.
# Cached: does nothing when $BB_VM_CACHE/images/<key> is complete (key: see lib.sh). FORCE=1
# rebuilds. Prints the image directory on stdout. Needs root and the host packages mmdebstrap,
# e2fsprogs, openssh-client, xz-utils (devstack/install-deps.sh installs them).
set -euo pipefail
# shellcheck source=devstack/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# All in one function: bash reads it whole before running it, so editing this file while a
# build runs cannot derail that build.
main() {

  image=$(bb_vm_image_dir)
  complete() { [[ -s $image/rootfs.img && -s $image/vmlinux && -s $image/initrd.img && -s $image/id_ed25519 ]]; }
  if [[ -z ${FORCE:-} ]] && complete; then
    echo "$image"
    exit 0
  fi
  ((EUID == 0)) || bb_vm_die "building the guest image needs root (mmdebstrap --mode=root)"
  for c in mmdebstrap mkfs.ext4 ssh-keygen xz flock; do
    command -v "$c" >/dev/null || bb_vm_die "missing $c (run devstack/install-deps.sh)"
  done

  mkdir -p "$BB_VM_CACHE/images"
  # One build at a time per cache; a second caller waits and then finds the image built.
  exec 9>"$BB_VM_CACHE/build.lock"
  flock 9
  if [[ -z ${FORCE:-} ]] && complete; then
    echo "$image"
    exit 0
  fi

  t0=$SECONDS
  tmp=$(mktemp -d "$BB_VM_CACHE/build.XXXXXX")
  chmod 755 "$tmp" # apt downloads as user _apt
  trap 'rm -rf "$tmp"' EXIT
  rootfs=$tmp/rootfs
  ssh-keygen -q -t ed25519 -N '' -C bb-devstack-vm -f "$tmp/id_ed25519"
  pub=$(cat "$tmp/id_ed25519.pub")
  include=$(bb_vm_packages | paste -sd,)

  # The guest: hostname, root by label (the extra -device disk enumerates first, so /dev/vda is not
  # always the root), key-only root ssh, a static address on qemu's user network (nothing to ask
  # DHCP), nothing that tries to reach the internet (timers, timesyncd), services the tests start
  # themselves disabled at boot (faster boot), and an autologin serial console for debugging.
  # shellcheck disable=SC2016 # the hooks' $1 is mmdebstrap's, expanded when they run
  hooks=(
    --customize-hook='echo bb-vm > "$1/etc/hostname"; printf "127.0.0.1 localhost\n127.0.1.1 bb-vm\n" > "$1/etc/hosts"'
    --customize-hook='echo "LABEL=bb-vm-root / ext4 defaults,errors=remount-ro 0 1" > "$1/etc/fstab"'
    --customize-hook='chroot "$1" passwd -d root'
    --customize-hook='mkdir -p -m 700 "$1/root/.ssh"'
    --customize-hook="echo '$pub' > \"\$1/root/.ssh/authorized_keys\""
    --customize-hook='printf "UseDNS no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nAcceptEnv BB_* LC_*\n" > "$1/etc/ssh/sshd_config.d/bb-vm.conf"'
    --customize-hook='printf "[Match]\nName=en*\n[Network]\nAddress=10.0.2.15/24\nGateway=10.0.2.2\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n" > "$1/etc/systemd/network/10-user-net.network"'
    --customize-hook='chroot "$1" systemctl enable systemd-networkd ssh'
    --customize-hook='chroot "$1" systemctl mask systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-timesyncd.service man-db.timer 2>/dev/null || true'
    --customize-hook='chroot "$1" systemctl disable tgt.service rtslib-fb-targetctl.service open-iscsi.service iscsid.socket lvm2-monitor.service 2>/dev/null || true'
    --customize-hook='mkdir -p "$1/etc/systemd/system/serial-getty@ttyS0.service.d"; printf "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200 %%I \$TERM\n" > "$1/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"'
  )
  bb_vm_log "mmdebstrap bookworm ($(bb_vm_packages | wc -l) packages) -> $image"
  if ! mmdebstrap --mode=root --variant=apt --format=directory \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --include="$include" "${hooks[@]}" \
    bookworm "$rootfs" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" \
    >"$tmp/mmdebstrap.log" 2>&1; then
    tail -n 30 "$tmp/mmdebstrap.log" >&2
    cp "$tmp/mmdebstrap.log" "$BB_VM_CACHE/mmdebstrap.failed.log" || true
    bb_vm_die "mmdebstrap failed (log: $BB_VM_CACHE/mmdebstrap.failed.log)"
  fi
  bb_vm_log "mmdebstrap done in $((SECONDS - t0)) s"

  # The kernel is booted as the uncompressed ELF vmlinux (PVH entry), extracted from Debian's
  # xz-compressed bzImage the way the kernel's scripts/extract-vmlinux does: it boots under TCG
  # and KVM alike, and on hosts whose /dev/kvm is PVM a bzImage hangs in its 16-bit setup code.
  bz=$(find "$rootfs/boot" -name "vmlinuz-*" | sort | tail -n1)
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -n1 | cut -d: -f1)
  [[ -n $off ]] || bb_vm_die "no xz stream in $bz"
  # xz stops with an error at the data after the stream: expected, the ELF check below decides.
  tail -c +$((off + 1)) "$bz" | xz -dc >"$tmp/vmlinux" 2>/dev/null || true
  [[ $(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] || bb_vm_die "vmlinux extraction from $bz failed"
  cp -L "$rootfs"/boot/initrd.img-* "$tmp/initrd.img"
  # Module trees a VM never loads (smaller image, faster mkfs); block, net, fs, dm, scsi, target stay.
  kdir=$(echo "$rootfs"/lib/modules/*/kernel)
  rm -rf "$kdir"/sound "$kdir"/drivers/{gpu,media,net/wireless,infiniband,staging,bluetooth,iio,hid,isdn,video} \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*_Packages
  chroot "$rootfs" depmod -a "$(ls "$rootfs/lib/modules")"
  kernel_version=$(ls "$rootfs/lib/modules")

  # ext4 image straight from the directory: no loop mount needed on the host.
  size_mib=$(($(du -sm "$rootfs" | cut -f1) + 768))
  mkfs.ext4 -q -F -L bb-vm-root -d "$rootfs" "$tmp/rootfs.img" "${size_mib}M"
  # shellcheck disable=SC2016 # dpkg's fields, not the shell's
  chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}\n' >"$tmp/packages.lock"
  echo "$kernel_version" >"$tmp/kernel-version"

  rm -rf "$image"
  mkdir -p "$image"
  mv "$tmp/vmlinux" "$tmp/initrd.img" "$tmp/id_ed25519" "$tmp/id_ed25519.pub" "$tmp/packages.lock" \
    "$tmp/kernel-version" "$image/"
  mv "$tmp/rootfs.img" "$image/rootfs.img" # last: its presence marks the image complete
  # Older images (other keys) are not used any more.
  for d in "$BB_VM_CACHE"/images/*; do
    [[ $d == "$image" ]] || rm -rf "$d"
  done
  bb_vm_log "image built in $((SECONDS - t0)) s: $image (kernel $kernel_version, root ${size_mib} MiB sparse)"
  echo "$image"
}
main "$@"
