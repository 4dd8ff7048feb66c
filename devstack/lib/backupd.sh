# shellcheck shell=bash
# Run backupd in the background. Requires common.sh.
#   bb_backupd_write_config CONF key=value...   write CONF from defaults + overrides
#   bb_backupd_start BIN CONF RUNDIR CTL         start (pid/log in RUNDIR), wait until it answers
#   bb_backupd_running RUNDIR                    true when the daemon of RUNDIR is alive
#   bb_backupd_endpoint CONF                     print 127.0.0.1:PORT (from the port file)
#   bb_backupd_stop RUNDIR                       SIGTERM and wait (SIGKILL after 30 s)

# Keys every config gets unless overridden (listen, database, volumes_dir, store_path and
# port_file have no sensible default and must be given).
_bb_backupd_defaults() {
  cat <<DEFAULTS
listen=127.0.0.1:8777
schema_dir=$BB_ROOT/schema
host=$(hostname)
volume_driver=file
object_store=posix
default_container=backups
chunk_size_mib=4
backup_format=v2
workers_per_job=2
max_concurrent_jobs=4
log_level=info
DEFAULTS
}

bb_backupd_write_config() { # CONF key=value...
  local conf=$1 kv key
  shift
  local -A values=()
  local -a order=()
  while IFS= read -r kv; do
    key=${kv%%=*}
    values[$key]=${kv#*=}
    order+=("$key")
  done < <(_bb_backupd_defaults)
  for kv in "$@"; do
    key=${kv%%=*}
    [[ -v values[$key] ]] || order+=("$key")
    values[$key]=${kv#*=}
  done
  {
    echo "# backupd configuration, written by devstack/lib/backupd.sh"
    for key in "${order[@]}"; do
      echo "$key = ${values[$key]}"
    done
  } >"$conf.tmp"
  mv "$conf.tmp" "$conf"
}

_bb_conf_get() { # CONF KEY
  sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | tail -n1
}

bb_backupd_endpoint() { # CONF
  local pf port
  pf=$(_bb_conf_get "$1" port_file)
  [[ -n $pf && -s $pf ]] || return 1
  port=$(tr -d '[:space:]' <"$pf")
  port=${port##*:}
  [[ $port =~ ^[0-9]+$ ]] || return 1
  echo "127.0.0.1:$port"
}

bb_backupd_pid() { # RUNDIR: print the pid when that process is a live backupd
  local pid
  [[ -s $1/backupd.pid ]] || return 1
  pid=$(<"$1/backupd.pid")
  bb_pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q backupd || return 1
  echo "$pid"
}

bb_backupd_running() { bb_backupd_pid "$1" >/dev/null; }

_bb_backupd_answers() { # CTL CONF
  local ep
  ep=$(bb_backupd_endpoint "$2") || return 1
  "$1" --endpoint "$ep" volume list >/dev/null 2>&1
}

bb_backupd_start() { # BIN CONF RUNDIR CTL
  local bin=$1 conf=$2 rundir=$3 ctl=$4 pid pf deadline
  [[ -x $bin ]] || bb_die "backupd binary not found: $bin (build first)"
  [[ -x $ctl ]] || bb_die "backupctl binary not found: $ctl (build first)"
  mkdir -p "$rundir"
  if bb_backupd_running "$rundir"; then
    bb_log "backupd already running (pid $(<"$rundir/backupd.pid"))"
    return 0
  fi
  pf=$(_bb_conf_get "$conf" port_file)
  [[ -n $pf ]] && rm -f "$pf"
  bb_log "starting backupd --config $conf (log $rundir/backupd.log)"
  # Asynchronous commands of a non-interactive shell ignore SIGINT: Ctrl-C in the caller does not
  # reach the daemon; it stops only through bb_backupd_stop.
  nohup "$bin" --config "$conf" </dev/null >>"$rundir/backupd.log" 2>&1 &
  pid=$!
  echo "$pid" >"$rundir/backupd.pid"
  sha256sum "$bin" | cut -d' ' -f1 >"$rundir/backupd.binary.sha256"
  deadline=$((SECONDS + ${BB_BACKUPD_START_TIMEOUT:-60}))
  until _bb_backupd_answers "$ctl" "$conf"; do
    if ! bb_pid_alive "$pid"; then
      tail -n 30 "$rundir/backupd.log" >&2 || true
      rm -f "$rundir/backupd.pid"
      bb_die "backupd exited during start-up (log: $rundir/backupd.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$rundir/backupd.log" >&2 || true
      bb_backupd_stop "$rundir"
      bb_die "backupd did not answer within ${BB_BACKUPD_START_TIMEOUT:-60} s (log: $rundir/backupd.log)"
    fi
    sleep 0.2
  done
  bb_log "backupd is up (pid $pid, endpoint $(bb_backupd_endpoint "$conf"))"
}

# True when the binary differs from the one the running daemon was started from.
bb_backupd_binary_changed() { # BIN RUNDIR
  [[ -s $2/backupd.binary.sha256 ]] || return 0
  [[ $(sha256sum "$1" | cut -d' ' -f1) != "$(<"$2/backupd.binary.sha256")" ]]
}

bb_backupd_stop() { # RUNDIR
  local rundir=$1 pid i
  pid=$(bb_backupd_pid "$rundir") || {
    rm -f "$rundir/backupd.pid"
    return 0
  }
  bb_log "stopping backupd (pid $pid, SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    bb_pid_alive "$pid" || break
    sleep 0.1
  done
  if bb_pid_alive "$pid"; then
    bb_warn "backupd (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  # Reap it when it is our child (no zombie left behind); harmless otherwise.
  wait "$pid" 2>/dev/null || true
  rm -f "$rundir/backupd.pid"
}
