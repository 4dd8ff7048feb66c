# shellcheck shell=bash
# An XFS file system with reflink (so the file volume driver can FICLONE snapshots), made in a
# sparse image file and loop-mounted. Needs root. Requires common.sh.
#   bb_xfs_up IMAGE MOUNTPOINT [SIZE]   make (first time) and mount; reuses an existing mount
#   bb_xfs_down IMAGE MOUNTPOINT        detach loop devices of files inside, unmount, detach
#   bb_loop_detach_under DIR            detach every loop device whose backing file is under DIR

# Loop devices (/dev/loopN) whose backing file is FILE, one per line.
bb_loop_devices_of() {
  local f dev back
  for f in /sys/block/loop*/loop/backing_file; do
    [[ -r $f ]] || continue
    back=$(<"$f")
    back=${back% (deleted)}
    dev=${f#/sys/block/}
    dev=/dev/${dev%%/*}
    [[ $back == "$1" ]] && echo "$dev"
  done
  return 0
}

# Loop devices whose backing file lies under DIR, one per line as "DEV BACKING_FILE".
bb_loop_devices_under() {
  local dir=${1%/} f dev back
  for f in /sys/block/loop*/loop/backing_file; do
    [[ -r $f ]] || continue
    back=$(<"$f")
    back=${back% (deleted)}
    dev=${f#/sys/block/}
    dev=/dev/${dev%%/*}
    [[ $back == "$dir"/* ]] && echo "$dev $back"
  done
  return 0
}

_bb_loop_detach() { # DEV: detach, retrying while udev or a closing opener still holds it
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    losetup -d "$1" 2>/dev/null && return 0
    [[ -e /sys/block/${1#/dev/}/loop/backing_file ]] || return 0
    sleep 0.3
  done
  bb_warn "cannot detach $1 ($(losetup -l -n "$1" 2>&1))"
  return 1
}

bb_loop_detach_under() { # DIR
  local dev back rc=0
  while read -r dev back; do
    [[ -n $dev ]] || continue
    bb_log "detaching $dev ($back)"
    _bb_loop_detach "$dev" || rc=1
  done < <(bb_loop_devices_under "$1")
  return "$rc"
}

bb_xfs_up() { # IMAGE MOUNTPOINT [SIZE]
  local img=$1 mnt=$2 size=${3:-8G} dev src
  bb_require_root "XFS loop mount"
  mkdir -p "$mnt" "$(dirname "$img")"
  img=$(cd "$(dirname "$img")" && pwd)/$(basename "$img")
  mnt=$(cd "$mnt" && pwd)
  if mountpoint -q "$mnt"; then
    src=$(findmnt -n -o SOURCE --target "$mnt")
    if [[ -n $src && $(bb_loop_devices_of "$img") == *"$src"* ]]; then
      bb_log "XFS $img already mounted at $mnt ($src)"
      return 0
    fi
    bb_die "$mnt is already a mount point of $src, not of $img"
  fi
  if [[ ! -f $img ]]; then
    bb_log "making a sparse $size XFS image (reflink=1) at $img"
    truncate -s "$size" "$img"
    mkfs.xfs -q -f -m reflink=1 "$img" || {
      rm -f "$img"
      bb_die "mkfs.xfs failed"
    }
  fi
  dev=$(bb_loop_devices_of "$img" | head -n1)
  if [[ -z $dev ]]; then
    dev=$(losetup --find --show "$img") || bb_die "losetup failed for $img"
  fi
  bb_log "mounting $dev ($img) at $mnt"
  mount -t xfs "$dev" "$mnt" || {
    losetup -d "$dev" 2>/dev/null
    bb_die "mount of $dev at $mnt failed"
  }
}

bb_xfs_down() { # IMAGE MOUNTPOINT
  local img=$1 mnt=$2 dev i rc=0
  [[ -e $img ]] && img=$(cd "$(dirname "$img")" && pwd)/$(basename "$img")
  if [[ -d $mnt ]]; then
    mnt=$(cd "$mnt" && pwd)
    # Volumes attached as loop devices keep the file system busy: detach them first.
    bb_loop_detach_under "$mnt" || rc=1
    for i in 1 2 3 4 5 6 7 8 9 10; do
      mountpoint -q "$mnt" || break
      ((i == 1)) && bb_log "unmounting $mnt"
      umount "$mnt" 2>/dev/null && break
      sleep 0.5
    done
    if mountpoint -q "$mnt"; then
      bb_warn "cannot unmount $mnt: $(umount "$mnt" 2>&1)"
      rc=1
    fi
  fi
  while read -r dev; do
    [[ -n $dev ]] || continue
    bb_log "detaching $dev ($img)"
    _bb_loop_detach "$dev" || rc=1
  done < <(bb_loop_devices_of "$img")
  return "$rc"
}
