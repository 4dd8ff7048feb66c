# shellcheck shell=bash
# Configure (once) and build the project with Ninja. Requires common.sh.
#   BB_BUILD_DIR   build directory (default: $BB_ROOT/build; relative paths are taken from BB_ROOT)
#   bb_build [NINJA ARGS...]   configure if needed (-DBB_WERROR=ON, RelWithDebInfo), then ninja
#   bb_build_dir               print the absolute build directory
#   bb_bin NAME                print the path of backupd, backupctl or odirect_writer

bb_build_dir() {
  local d=${BB_BUILD_DIR:-build}
  [[ $d == /* ]] || d=$BB_ROOT/$d
  echo "$d"
}

_bb_cache_value() { # CACHE KEY
  sed -n "s/^$2:[A-Z]*=//p" "$1" 2>/dev/null | head -n1
}

bb_configure() {
  local dir cache gen werror
  dir=$(bb_build_dir)
  cache=$dir/CMakeCache.txt
  gen=$(_bb_cache_value "$cache" CMAKE_GENERATOR)
  werror=$(_bb_cache_value "$cache" BB_WERROR)
  if [[ -f $cache && $gen != Ninja ]]; then
    bb_log "build dir $dir was configured with '$gen'; reconfiguring with Ninja"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
  if [[ ! -f $dir/build.ninja || $werror != ON ]]; then
    bb_log "configuring $dir (Ninja, RelWithDebInfo, BB_WERROR=ON)"
    cmake -G Ninja -S "$BB_ROOT" -B "$dir" -DBB_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      >"$dir/configure.log" 2>&1 || {
      cat "$dir/configure.log" >&2
      return 1
    }
  fi
}

bb_build() { # [NINJA ARGS...]
  local dir
  dir=$(bb_build_dir)
  mkdir -p "$dir"
  bb_configure || return 1
  bb_log "building in $dir"
  ninja -C "$dir" "$@"
}

bb_bin() { # NAME
  local dir
  dir=$(bb_build_dir)
  case $1 in
    backupd) echo "$dir/cmd/backupd/backupd" ;;
    backupctl) echo "$dir/cmd/backupctl/backupctl" ;;
    odirect_writer) echo "$dir/tests/tools/odirect_writer" ;;
    *) bb_die "unknown binary $1" ;;
  esac
}
