# shellcheck shell=bash
# A private PostgreSQL cluster in a directory, reachable only over a unix socket in that directory.
#   bb_pg_start DIR [PORT]   initdb (first time) and start; BB_PG_FAST=1: no fsync (tests);
#                            BB_PG_LISTEN=127.0.0.1: also TCP on that address and PORT
#   bb_pg_stop DIR           stop it (fast shutdown); no-op when not running
#   bb_pg_conninfo DIR [DB]  print "host=DIR/sock port=PORT user=bb dbname=DB" (DB: postgres)
#   bb_pg_psql DIR DB ARGS.. psql as superuser bb
#   bb_pg_create_db DIR DB   create the database unless it exists
# The server runs as an unprivileged OS user: when root, the `postgres` user the Debian package
# creates (or a system user `bbpg` made here); otherwise the current user. DIR and its parents must
# be traversable by that user (so not under /root). Authentication: trust, superuser `bb`.
# Requires common.sh.

BB_PG_DEFAULT_PORT=${BB_PG_DEFAULT_PORT:-54329}

# The newest PostgreSQL server installed by the Debian packages (not whatever is on PATH).
bb_pg_bindir() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/pg_ctl && -x $d/initdb && -x $d/postgres ]] && best=$d
  done
  [[ -n $best ]] || bb_die "no PostgreSQL server under /usr/lib/postgresql/*/bin (run devstack/install-deps.sh)"
  # Glob order is lexical: prefer the highest major version.
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/pg_ctl ]] || continue
    if [[ $(basename "$(dirname "$d")") -gt $(basename "$(dirname "$best")") ]] 2>/dev/null; then best=$d; fi
  done
  echo "$best"
}

bb_pg_os_user() {
  if ((EUID != 0)); then
    id -un
  elif id -u postgres >/dev/null 2>&1; then
    echo postgres
  else
    if ! id -u bbpg >/dev/null 2>&1; then
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin bbpg >/dev/null || bb_die "cannot create system user bbpg"
    fi
    echo bbpg
  fi
}

# _bb_pg_as USER CMD...: run CMD as USER (directly when we are USER).
_bb_pg_as() {
  local user=$1
  shift
  if [[ $(id -un) == "$user" ]]; then
    "$@"
  else
    # From /: the server user may not be allowed into the caller's working directory.
    (cd / && runuser -u "$user" -- "$@")
  fi
}

_bb_pg_abs() { (cd "$1" 2>/dev/null && pwd) || echo "$1"; }

_bb_pg_running() { # DIR
  local dir bindir user
  dir=$(_bb_pg_abs "$1")
  [[ -f $dir/data/PG_VERSION ]] || return 1
  bindir=$(bb_pg_bindir)
  user=$(stat -c %U "$dir/data")
  _bb_pg_as "$user" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

bb_pg_port() { # DIR
  if [[ -s $1/port ]]; then cat "$1/port"; else echo "$BB_PG_DEFAULT_PORT"; fi
}

bb_pg_start() { # DIR [PORT]
  local dir=$1 port=${2:-} bindir user group
  bindir=$(bb_pg_bindir)
  user=$(bb_pg_os_user)
  group=$(id -gn "$user")
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ -n $port ]] || port=$(bb_pg_port "$dir")
  echo "$port" >"$dir/port"
  chmod a+rx "$dir"
  mkdir -p "$dir/data" "$dir/sock" "$dir/log"
  chown "$user:$group" "$dir/data" "$dir/sock" "$dir/log"
  chmod 700 "$dir/data"
  chmod 755 "$dir/sock" "$dir/log"
  if ! _bb_pg_as "$user" test -w "$dir/data" -a -x "$dir/sock"; then
    bb_die "PostgreSQL user '$user' cannot reach $dir (a parent directory is not traversable; do not put the state dir under /root)"
  fi

  if _bb_pg_running "$dir"; then
    bb_log "PostgreSQL already running in $dir (port $(bb_pg_port "$dir"))"
    return 0
  fi
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    bb_log "initdb $dir/data (OS user $user, superuser bb, trust)"
    local nosync=()
    [[ ${BB_PG_FAST:-0} == 1 ]] && nosync=(--no-sync)
    _bb_pg_as "$user" "$bindir/initdb" -D "$dir/data" -A trust -U bb -E UTF8 --locale=C "${nosync[@]}" \
      >"$dir/log/initdb.log" 2>&1 || {
      cat "$dir/log/initdb.log" >&2
      bb_die "initdb failed"
    }
  fi
  # Our settings live in bb.conf, rewritten at every start; postgresql.conf includes it once.
  {
    # BB_PG_LISTEN=127.0.0.1 adds TCP on that address (the test VM reaches it through qemu).
    echo "listen_addresses = '${BB_PG_LISTEN:-}'"
    echo "unix_socket_directories = '$dir/sock'"
    echo "port = $port"
    echo "max_connections = 200"
    echo "log_min_messages = warning"
    if [[ ${BB_PG_FAST:-0} == 1 ]]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >"$dir/data/bb.conf"
  chown "$user:$group" "$dir/data/bb.conf"
  grep -q "^include 'bb.conf'" "$dir/data/postgresql.conf" ||
    echo "include 'bb.conf'" >>"$dir/data/postgresql.conf"

  bb_log "starting PostgreSQL ($bindir) in $dir, socket $dir/sock port $port"
  if ! _bb_pg_as "$user" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/postgres.log" -w -t 60 \
    start >/dev/null; then
    tail -n 30 "$dir/log/postgres.log" >&2 || true
    bb_die "PostgreSQL did not start (log: $dir/log/postgres.log)"
  fi
  bb_wait_for 30 "$bindir/pg_isready" -q -h "$dir/sock" -p "$port" ||
    bb_die "PostgreSQL does not answer on $dir/sock port $port"
}

bb_pg_stop() { # DIR
  local dir bindir user
  dir=$(_bb_pg_abs "$1")
  [[ -f $dir/data/PG_VERSION ]] || return 0
  _bb_pg_running "$dir" || return 0
  bindir=$(bb_pg_bindir)
  user=$(stat -c %U "$dir/data")
  bb_log "stopping PostgreSQL in $dir"
  _bb_pg_as "$user" "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
    _bb_pg_as "$user" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null
}

bb_pg_conninfo() { # DIR [DB]
  local dir
  dir=$(_bb_pg_abs "$1")
  echo "host=$dir/sock port=$(bb_pg_port "$dir") user=bb dbname=${2:-postgres}"
}

bb_pg_psql() { # DIR DB ARGS...
  local dir=$1 db=$2
  shift 2
  "$(bb_pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 "$(bb_pg_conninfo "$dir" "$db")" "$@"
}

bb_pg_create_db() { # DIR DB
  local exists
  [[ $2 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || bb_die "bad database name: $2"
  exists=$(bb_pg_psql "$1" postgres -At -c "SELECT 1 FROM pg_database WHERE datname = '$2'")
  if [[ $exists != 1 ]]; then
    bb_log "creating database $2"
    bb_pg_psql "$1" postgres -c "CREATE DATABASE \"$2\""
  fi
}
