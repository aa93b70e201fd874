#!/usr/bin/env bash
# postgres.sh — the PostgreSQL 15 server the shared-inventory tests and benchmark run against: one throw-away
# cluster (initdb + pg_ctl, no systemd) in its own data directory, listening on 127.0.0.1 only, on a free port.
# Throw-away: nothing here is part of the product.
#
#   postgres.sh start [--owner TOKEN]  install Debian's postgresql if missing, create the cluster (or resume a stopped
#                                      one), wait until it accepts connections. Idempotent: a running server is used as
#                                      it is. With --owner, remembers that TOKEN created (or resumed) it, so that
#                                      `stop --owner TOKEN` removes only what it made.
#   postgres.sh stop [--owner TOKEN]   stop the server. Without --owner the data is kept; with --owner the cluster is
#                                      deleted when TOKEN created it, stopped when TOKEN resumed it, else left alone.
#   postgres.sh status                 pg_ctl status and the port.
#   postgres.sh env                    the exports the tests read (eval "$(bash tests/infrastructure/postgres.sh env)").
#
# How the tests find the server: STORAGESNAPSHOT_TEST_POSTGRES (a connection string, exported by `env`), else the
# well-known $DIR/connection file when it exists — so `bash tests/run.sh` on a machine where this script started the
# server runs the PostgreSQL tests with nothing else to set.
#
# The tests connect as the role "storagesnapshot" (CREATEDB, a random password kept in $DIR/connection, 0600) with
# scram-sha-256 over TCP: the same authentication a production server asks for, not trust. It is granted
# pg_signal_backend so that DROP DATABASE ... WITH (FORCE) of a test database also ends an autovacuum worker in it.
#
# Settings (environment):
#   STORAGESNAPSHOT_PG_DIR=/tmp/storagesnapshot-pg-cluster   data, log, port, connection
#   STORAGESNAPSHOT_PG_PORT=                                  a fixed port (default: the first free one from 25432,
#                                                             below the ephemeral range: tests/infrastructure/ports.sh)
#   STORAGESNAPSHOT_PG_SKIP_INSTALL=1                         do not touch apt
set -euo pipefail

DIR=${STORAGESNAPSHOT_PG_DIR:-/tmp/storagesnapshot-pg-cluster}
DATA=$DIR/data
T0=$EPOCHREALTIME

log() { printf '[postgres %6.2fs] %s\n' "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{print b-a}')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bindir() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_packages() {
  bindir >/dev/null && { log "postgresql present"; return 0; }
  [ "${STORAGESNAPSHOT_PG_SKIP_INSTALL:-0}" = 1 ] && die "postgresql is not installed and STORAGESNAPSHOT_PG_SKIP_INSTALL=1"
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null
  log "postgresql installed"
}

# The server refuses to run as root: everything that touches the data directory runs as the postgres user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# shellcheck source=ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

# free_port [after]: $STORAGESNAPSHOT_PG_PORT, or the first free port of 25432..25532 (after the one given).
free_port() {
  if [ -n "${STORAGESNAPSHOT_PG_PORT:-}" ]; then echo "$STORAGESNAPSHOT_PG_PORT"; return; fi
  first_free_port "$(( ${1:-25431} + 1 ))" 25532 || die "no free port in 25432..25532"
}

running() { [ -f "$DATA/postmaster.pid" ] && as_postgres "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

create_cluster() {
  local owner=$1 bin port password
  bin=$(bindir)
  port=$(free_port)
  password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
  mkdir -p "$DIR" && chmod 700 "$DIR" && chown postgres: "$DIR"
  mkdir -p "$DATA" && chown postgres: "$DATA" && chmod 700 "$DATA"
  printf '%s\n' "$password" >"$DIR/pwfile" && chown postgres: "$DIR/pwfile" && chmod 600 "$DIR/pwfile"
  # --auth-local=peer (the script's own psql as postgres over the socket), scram over TCP for everyone else.
  as_postgres "$bin/initdb" -D "$DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR'
max_connections = 200
fsync = on
logging_collector = off
EOF
  echo "$port" >"$DIR/port"
  start_server
  port=$(cat "$DIR/port") # moved if another socket took it meanwhile
  as_postgres "$bin/psql" -h "$DIR" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE storagesnapshot LOGIN CREATEDB PASSWORD '$password'" \
    -c "GRANT pg_signal_backend TO storagesnapshot" >/dev/null
  grant_checkpoint
  rm -f "$DIR/pwfile"
  umask 077
  echo "Host=127.0.0.1;Port=$port;Username=storagesnapshot;Password=$password;Database=postgres" >"$DIR/connection"
  touch "$DIR/created"
  [ -n "$owner" ] && echo "$owner" >"$DIR/created-by"
  log "created the cluster in $DIR (port $port)"
}

# pg_checkpoint (PostgreSQL 15+): the benchmark runs CHECKPOINT after seeding, so that a checkpoint the seeding's WAL
# asked for does not write through its measurements. Granted on start too, for clusters made before this line.
grant_checkpoint() {
  as_postgres "$(bindir)/psql" -h "$DIR" -p "$(cat "$DIR/port")" -U postgres -d postgres -v ON_ERROR_STOP=1 -q -c \
    "DO \$\$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pg_checkpoint') THEN GRANT pg_checkpoint TO storagesnapshot; END IF; END \$\$" >/dev/null \
    || log "could not grant pg_checkpoint to storagesnapshot: the benchmark's CHECKPOINT will be refused"
}

start_server() {
  local bin attempt
  bin=$(bindir)
  for attempt in 1 2 3; do
    as_postgres truncate -s 0 "$DIR/server.log" # this attempt's log only (written by the server's user)
    # setsid: its own session, so a CI step's process-group signal does not reach it; 9>&-: no inherited lock.
    as_postgres setsid "$bin/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start </dev/null >/dev/null 9>&- && return 0
    # Another socket took the port after it was checked (ports.sh): move on to the next free one.
    grep -q "Address already in use" "$DIR/server.log" && [ -z "${STORAGESNAPSHOT_PG_PORT:-}" ] || break
    move_to_next_free_port
  done
  tail -n 30 "$DIR/server.log" >&2
  die "the server did not start"
}

move_to_next_free_port() {
  local old new
  old=$(cat "$DIR/port")
  new=$(free_port "$old")
  sed -i "s/^port = .*/port = $new/" "$DATA/postgresql.conf"
  echo "$new" >"$DIR/port"
  if [ -f "$DIR/connection" ]; then sed -i "s/;Port=[0-9]*;/;Port=$new;/" "$DIR/connection"; fi
  log "port $old was taken by another socket: listening on $new instead"
}

cmd_start() {
  local owner=$1
  install_packages
  if [ -f "$DIR/created" ]; then
    if running; then
      log "the server in $DIR is running: using it as it is"
    else
      start_server
      log "resumed the stopped server in $DIR"
      [ -n "$owner" ] && echo "$owner" >"$DIR/resumed-by"
    fi
    grant_checkpoint
  else
    if [ -d "$DIR" ]; then
      log "removing the incomplete $DIR"
      rm -rf "$DIR"
    fi
    create_cluster "$owner"
  fi
  log "ready: port $(cat "$DIR/port") (eval \"\$(bash $0 env)\")"
}

cmd_stop() {
  local owner=$1
  if [ -n "$owner" ]; then
    if [ "$(cat "$DIR/created-by" 2>/dev/null)" = "$owner" ]; then
      running && as_postgres "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
      rm -rf "$DIR"
      log "stopped and deleted the cluster in $DIR"
    elif [ "$(cat "$DIR/resumed-by" 2>/dev/null)" = "$owner" ]; then
      running && as_postgres "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
      rm -f "$DIR/resumed-by"
      log "stopped the cluster in $DIR (kept: $owner did not create it)"
    else
      log "the cluster in $DIR was not made by '$owner': left alone"
    fi
    return 0
  fi
  if running; then
    as_postgres "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    log "stopped the server in $DIR"
  else
    log "no server running in $DIR"
  fi
}

cmd_env() {
  [ -f "$DIR/connection" ] || die "no cluster in $DIR: run '$0 start' first"
  echo "export STORAGESNAPSHOT_TEST_POSTGRES='$(cat "$DIR/connection")'"
  echo "export STORAGESNAPSHOT_PG_DIR='$DIR'"
}

cmd_status() {
  if running; then echo "running in $DIR on 127.0.0.1:$(cat "$DIR/port")"; else echo "not running ($DIR)"; fi
}

command=${1:-}
shift || true
owner=""
while [ $# -gt 0 ]; do
  case $1 in
    --owner) owner=${2:?--owner needs a value}; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
case $command in
  start)  cmd_start "$owner" ;;
  stop)   cmd_stop "$owner" ;;
  env)    cmd_env ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop [--owner TOKEN] | env | status" >&2; exit 2 ;;
esac
