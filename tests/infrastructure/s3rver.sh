#!/usr/bin/env bash
# s3rver.sh — the second S3 implementation the S3 chunk-store tests run against (besides the RADOS Gateway of
# ceph.sh): s3rver, a small S3 server in Node.js (npm package), on 127.0.0.1 and a free port, its objects in a
# directory of its own. Throw-away: nothing here is part of the product.
#
#   s3rver.sh start [--owner TOKEN]  install s3rver under $TOOLS when missing (npm), start it, wait until it answers.
#                                    Idempotent: a running server is used as it is. With --owner, remembers that
#                                    TOKEN started it, so that `stop --owner TOKEN` stops only what it started.
#   s3rver.sh stop [--owner TOKEN]   stop the server and delete its directory (with --owner: only when TOKEN started it).
#   s3rver.sh env                    the exports the tests read (eval "$(bash tests/infrastructure/s3rver.sh env)").
#
# s3rver accepts any credentials: the tests sign with the fixed S3RVER/S3RVER pair s3rver documents.
#
# Settings (environment):
#   STORAGESNAPSHOT_S3RVER_DIR=/tmp/storagesnapshot-s3rver-server   objects, log, port, pid
#   STORAGESNAPSHOT_S3RVER_TOOLS=/tmp/storagesnapshot-s3rver-tools  where npm installs s3rver
set -euo pipefail

DIR=${STORAGESNAPSHOT_S3RVER_DIR:-/tmp/storagesnapshot-s3rver-server}
TOOLS=${STORAGESNAPSHOT_S3RVER_TOOLS:-/tmp/storagesnapshot-s3rver-tools}
BIN=$TOOLS/node_modules/.bin/s3rver
T0=$EPOCHREALTIME

log() { printf '[s3rver %6.2fs] %s\n' "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{print b-a}')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

# free_port [after]: the first free port of 24569..24669 (after the one given), below the ephemeral range (ports.sh).
free_port() {
  first_free_port "$(( ${1:-24568} + 1 ))" 24669 || die "no free port in 24569..24669"
}

running() { [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; }

install() {
  [ -x "$BIN" ] && return 0
  command -v npm >/dev/null || die "npm is not installed (apt-get install npm)"
  log "installing s3rver into $TOOLS"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" s3rver >/dev/null || die "npm install s3rver failed"
}

cmd_start() {
  local owner=$1 port i attempt
  install
  if running; then log "s3rver in $DIR is running: using it as it is"; return 0; fi
  rm -rf "$DIR"
  mkdir -p "$DIR/data"
  [ -n "$owner" ] && echo "$owner" >"$DIR/started-by"
  port=$(free_port)
  for attempt in 1 2 3; do
    echo "$port" >"$DIR/port"
    # setsid: its own session, so a CI step's process-group signal does not reach it; 9>&-: no inherited lock.
    setsid "$BIN" --address 127.0.0.1 --port "$port" --directory "$DIR/data" --silent </dev/null >"$DIR/server.log" 2>&1 9>&- &
    echo $! >"$DIR/pid"
    for i in $(seq 1 100); do
      port_listening "$port" && { log "ready: http://127.0.0.1:$port (eval \"\$(bash $0 env)\")"; return 0; }
      running || break
      sleep 0.1
    done
    running && { cat "$DIR/server.log" >&2; die "s3rver did not listen on $port within 10 s"; }
    # Another socket took the port after it was checked (ports.sh): move on to the next free one.
    grep -q "EADDRINUSE" "$DIR/server.log" || break
    log "port $port was taken by another socket: trying the next free one"
    port=$(free_port "$port")
  done
  cat "$DIR/server.log" >&2
  die "s3rver exited"
}

cmd_stop() {
  local owner=$1
  if [ -n "$owner" ] && [ "$(cat "$DIR/started-by" 2>/dev/null)" != "$owner" ]; then
    log "s3rver in $DIR was not started by '$owner': left alone"; return 0
  fi
  if running; then kill "$(cat "$DIR/pid")"; fi
  rm -rf "$DIR"
  log "stopped s3rver and deleted $DIR"
}

cmd_env() {
  [ -f "$DIR/port" ] || die "s3rver is not started (bash $0 start)"
  echo "export STORAGESNAPSHOT_S3RVER_ENDPOINT=http://127.0.0.1:$(cat "$DIR/port")"
}

owner=""
command=${1:-}
shift || true
while [ $# -gt 0 ]; do
  case $1 in
    --owner) owner=$2; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
case $command in
  start) cmd_start "$owner" ;;
  stop) cmd_stop "$owner" ;;
  env) cmd_env ;;
  *) die "usage: $0 start|stop|env [--owner TOKEN]" ;;
esac
