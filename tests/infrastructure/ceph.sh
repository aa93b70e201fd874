#!/usr/bin/env bash
# ceph.sh — the single-node Ceph cluster the ceph-rbd and S3 tests and benchmarks run against: 1 mon, 1 mgr, 1 BlueStore
# OSD on a sparse file, 1 RADOS Gateway (S3, beast on 127.0.0.1) with a test user, cephx, every listener on 127.0.0.1,
# started by hand from Debian 12's ceph 16.2 packages (no systemd, no containers). Throw-away: nothing here is part of
# the product.
#
#   ceph.sh start [--owner TOKEN]   install the packages if missing, bootstrap a new cluster or resume a stopped one,
#                                   wait until it is healthy, create the test pools. Idempotent: running daemons are
#                                   left alone, dead ones restarted. With --owner, remembers that TOKEN bootstrapped
#                                   (or resumed) the cluster, so that `purge --owner TOKEN` removes only what it made.
#                                   A running cluster without a RADOS Gateway (made by an older copy of this script)
#                                   gets one: its key, its conf section, the daemon and the S3 user are added.
#   ceph.sh stop                    stop the daemons by the PIDs this script recorded; data is kept.
#   ceph.sh purge [--owner TOKEN]   stop and delete the data directory. With --owner: only a cluster that TOKEN
#                                   bootstrapped is deleted; one it merely resumed is stopped; any other is left alone.
#   ceph.sh status                  daemons, their memory, `ceph -s`.
#   ceph.sh env                     the exports the tests read (eval "$(bash tests/infrastructure/ceph.sh env)").
#
# How the tests find the cluster: STORAGESNAPSHOT_CEPH_CONF (exported by `env`), else the well-known
# /tmp/storagesnapshot-ceph-cluster/ceph.conf when it exists — so `bash tests/run.sh` on a machine where this
# script started the cluster runs the ceph-rbd tests with nothing else to set.
#
# Settings (environment):
#   STORAGESNAPSHOT_CEPH_DIR=/tmp/storagesnapshot-ceph-cluster   conf, keyrings, data, logs, PIDs
#   STORAGESNAPSHOT_CEPH_OSD_SIZE=16G     the OSD's sparse file (only what is written takes disk space)
#   STORAGESNAPSHOT_CEPH_MON_PORT=3300 STORAGESNAPSHOT_CEPH_MON_V1_PORT=6789
#   STORAGESNAPSHOT_CEPH_RGW_PORT=7480    the RADOS Gateway's S3 endpoint, http://127.0.0.1:PORT
#   STORAGESNAPSHOT_CEPH_WAIT_S=240       how long to wait for the cluster to become healthy
#   STORAGESNAPSHOT_CEPH_SKIP_INSTALL=1   do not touch apt
set -euo pipefail

LAB=${STORAGESNAPSHOT_CEPH_DIR:-/tmp/storagesnapshot-ceph-cluster}
OSD_SIZE=${STORAGESNAPSHOT_CEPH_OSD_SIZE:-16G}
MON_PORT=${STORAGESNAPSHOT_CEPH_MON_PORT:-3300}
MON_V1_PORT=${STORAGESNAPSHOT_CEPH_MON_V1_PORT:-6789}
WAIT_S=${STORAGESNAPSHOT_CEPH_WAIT_S:-240}
RGW_PORT=${STORAGESNAPSHOT_CEPH_RGW_PORT:-7480}
# radosgw: the S3 secondary-storage tests; rclone and s3cmd: the tests that move a repository between a directory
# and a bucket with ordinary tools; curl: waiting for the gateway.
PKGS=(ceph-mon ceph-mgr ceph-osd ceph-common librados2 librbd1 python3-rados radosgw rclone s3cmd curl)
# The S3 user the tests use (a throw-away cluster on loopback: fixed, well-known keys).
S3_USER=storagesnapshot-test
S3_ACCESS_KEY=STORAGESNAPSHOTTEST0001
S3_SECRET_KEY=storagesnapshotTestSecretKey000000000001
# The pools the tests use: an RBD pool, a second RBD pool for the DataPool property, a pool without the rbd
# application (registration must refuse it).
RBD_POOL=rbd
RBD_DATA_POOL=rbd-data
PLAIN_POOL=not-rbd

export CEPH_CONF=$LAB/ceph.conf
T0=$EPOCHREALTIME

log() { printf '[ceph %7.2fs] %s\n' "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN{print b-a}')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- packages
install_packages() {
  [ "${STORAGESNAPSHOT_CEPH_SKIP_INSTALL:-0}" = 1 ] && return 0
  local missing=() p
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && { log "packages present"; return 0; }
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # another apt may be running (CI images, unattended upgrades): wait for the dpkg lock
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
  log "packages installed"
}

# ---------------------------------------------------------------- processes
program_of() { case $1 in mon.*) echo ceph-mon;; mgr.*) echo ceph-mgr;; osd.*) echo ceph-osd;; client.rgw.*) echo radosgw;; esac; }
pid_of() { local f=$LAB/pids/$1.pid; [ -f "$f" ] && cat "$f" || true; }
alive() {   # alive NAME: the recorded PID is the expected program, running (a killed daemon may linger as a zombie)
  local p state; p=$(pid_of "$1"); [ -n "$p" ] && [ -d "/proc/$p" ] || return 1
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$(program_of "$1")" ] || return 1
  state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
spawn() {   # spawn NAME COMMAND...: run in the foreground mode (-f), detached; record the PID
  local name=$1; shift
  # setsid: its own session, so a CI step's process-group signal does not reach it; stdio off the CI pipes;
  # 9>&-: the daemon must not inherit this script's lock, or it would hold it for ever
  setsid "$@" </dev/null >>"$LAB/log/$name.out" 2>&1 9>&- &
  echo $! >"$LAB/pids/$name.pid"
  log "started $name (pid $!)"
}
port_busy() {   # something listens on TCP port $1 (ss from iproute2; without it, /proc/net/tcp)
  if command -v ss >/dev/null; then ss -Hltn "sport = :$1" | grep -q .
  else awk -v p="$(printf '%04X' "$1")" 'NR > 1 && $4 == "0A" && toupper(substr($2, index($2, ":") + 1)) == p { found = 1 } END { exit !found }' /proc/net/tcp
  fi
}
ceph_() { timeout 60 ceph --connect-timeout 20 "$@"; }
authtool() { ceph-authtool "$@" >/dev/null; }

# ---------------------------------------------------------------- configuration
write_conf() {
  cat >"$LAB/ceph.conf" <<EOF
[global]
fsid = $1
mon initial members = a
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.1/32
ms bind ipv4 = true
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
run dir = $LAB/run
log file = $LAB/log/\$cluster-\$name.log
crash dir = $LAB/crash
# one OSD: no replication, few PGs, no redundancy or low-disk warnings
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1

[client.admin]
# under [global] this would break the mgr's authentication
keyring = $LAB/ceph.client.admin.keyring

[mon]
mon data = $LAB/mon/\$cluster-\$id
mon memory target = 256M
# every osdmap change (pool create, a self-managed snapshot id for rbd snap create/rm) waits for the next paxos
# proposal: with the default 1 s each snapshot took ~1 s, with 0.1 s ~0.1 s
paxos propose interval = 0.1

[mgr]
mgr data = $LAB/mgr/\$cluster-\$id

[osd]
osd data = $LAB/osd/\$cluster-\$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $OSD_SIZE
osd memory target = 1G
bluestore cache autotune = false
bluestore cache size = 128M
# the virtual disk reports rotational=1, so the hdd defaults apply: a sleep between snapshot trims left PGs in
# snaptrim_wait for minutes after rbd snap rm
osd snap trim sleep hdd = 0
osd recovery sleep hdd = 0
EOF
  write_rgw_conf
}

# The RADOS Gateway's section, appended to a conf that lacks it (a cluster bootstrapped before the gateway existed).
write_rgw_conf() {
  grep -q '^\[client.rgw.a\]' "$LAB/ceph.conf" && return 0
  cat >>"$LAB/ceph.conf" <<EOF

[client.rgw.a]
keyring = $LAB/rgw/keyring
admin socket = $LAB/run/\$cluster-\$name.asok
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw thread pool size = 64
# Deleted objects are freed after a minute, not RGW's default two hours: test and benchmark runs delete gigabytes,
# and once filled the 16 GiB test OSD (a benchmark run did).
rgw gc obj min wait = 60
rgw gc processor period = 60
EOF
}

# ---------------------------------------------------------------- bootstrap (once)
bootstrap() {
  log "bootstrapping a new cluster in $LAB"
  local p
  for p in "$MON_PORT" "$MON_V1_PORT"; do
    port_busy "$p" && die "127.0.0.1:$p is already in use (another Ceph?); set STORAGESNAPSHOT_CEPH_MON_PORT / _MON_V1_PORT"
  done
  mkdir -p "$LAB"/{mon/ceph-a,mgr/ceph-x,osd/ceph-0,run,log,crash,pids,state}
  chmod 700 "$LAB"
  # owned from the first daemon on: a bootstrap that fails half-way is still purged by its owner
  [ -n "$1" ] && echo "$1" >"$LAB/state/owner"
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid"
  authtool --create-keyring "$LAB/mon.keyring" --gen-key -n mon. --cap mon 'allow *'
  authtool --create-keyring "$LAB/ceph.client.admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *'
  authtool "$LAB/mon.keyring" --import-keyring "$LAB/ceph.client.admin.keyring"
  # the mgr's key goes into the mon store at mkfs, so nothing waits for the mon to hand it out
  authtool --create-keyring "$LAB/mgr/ceph-x/keyring" --gen-key -n mgr.x \
    --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *'
  authtool "$LAB/mon.keyring" --import-keyring "$LAB/mgr/ceph-x/keyring"
  monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]" --fsid "$fsid" "$LAB/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$LAB/monmap" --keyring "$LAB/mon.keyring"
  spawn mon.a ceph-mon -f -i a
  spawn mgr.x ceph-mgr -f -i x
  # the OSD: register id 0 with its secret, then mkfs
  local uuid secret id
  uuid=$(cat /proc/sys/kernel/random/uuid); secret=$(ceph-authtool --gen-print-key)
  id=$(printf '{"cephx_secret": "%s"}' "$secret" | ceph_ osd new "$uuid" -i -)
  [ "$id" = 0 ] || die "expected osd id 0, got '$id'"
  authtool --create-keyring "$LAB/osd/ceph-0/keyring" --name osd.0 --add-key "$secret"
  ceph-osd -i 0 --mkfs --osd-uuid "$uuid" >>"$LAB/log/osd-mkfs.out" 2>&1 || {
    tail -20 "$LAB/log/osd-mkfs.out" >&2; die "ceph-osd --mkfs failed"; }
  log "osd.0 made"
  spawn osd.0 ceph-osd -f -i 0
  touch "$LAB/state/bootstrapped"
}

resume() {
  local d started=0
  for d in mon.a mgr.x osd.0; do
    alive "$d" && continue
    case $d in
      mon.a) spawn mon.a ceph-mon -f -i a ;;
      mgr.x) spawn mgr.x ceph-mgr -f -i x ;;
      osd.0) spawn osd.0 ceph-osd -f -i 0 ;;
    esac
    started=1
  done
  [ $started = 1 ]
}

wait_cluster() {   # wait_cluster osd|all
  # osd: osd.0 (our PID) is up, enough to create pools while the mgr still loads.
  # all: HEALTH_OK, the active mgr and the up osd.0 are *our* processes (the messenger nonce is the PID: after a
  # restart the mon still shows the previous instances as up for a while) and every PG is active+clean.
  local mgr_pid osd_pid
  mgr_pid=$(pid_of mgr.x); osd_pid=$(pid_of osd.0)
  /usr/bin/python3 - "$CEPH_CONF" "$mgr_pid" "$osd_pid" "$WAIT_S" "$1" <<'PY' || die "the cluster was not ready after ${WAIT_S} s (logs: $LAB/log)"
import json, sys, time, rados
conf, mgr_pid, osd_pid, limit, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
deadline = time.time() + limit
c = rados.Rados(conffile=conf, name="client.admin")
c.connect(timeout=int(limit))
def cmd(prefix):
    r, out, err = c.mon_command(json.dumps({"prefix": prefix, "format": "json"}), b"", timeout=20)
    return json.loads(out) if r == 0 else None
def nonce(av):
    return av["addrvec"][0]["nonce"] if av and av.get("addrvec") else None
last = 0
while True:
    why = []
    try:
        o = cmd("osd dump")
        osd = [x for x in o["osds"] if x["osd"] == 0]
        if not (osd and osd[0]["up"] == 1 and nonce(osd[0].get("public_addrs")) == osd_pid):
            why.append("osd.0 (pid %d) not up yet" % osd_pid)
    except Exception as e:
        why.append("error %r" % e)
    if mode == "all" and not why:
        try:
            s, m = cmd("status"), cmd("mgr dump")
            if s["health"]["status"] != "HEALTH_OK":
                why.append("health %s %s" % (s["health"]["status"], list(s["health"]["checks"])))
            if not (m["available"] and nonce(m.get("active_addrs")) == mgr_pid):
                why.append("mgr (pid %d) not active yet" % mgr_pid)
            pg = s["pgmap"]; st = {x["state_name"]: x["count"] for x in pg.get("pgs_by_state", [])}
            if st.get("active+clean", 0) != pg["num_pgs"]:
                why.append("pgs %s" % st)
        except Exception as e:
            why.append("error %r" % e)
    if not why:
        sys.exit(0)
    if time.time() > deadline:
        print("not ready:", "; ".join(why), file=sys.stderr); sys.exit(1)
    if time.time() - last > 10:
        print("  waiting:", "; ".join(why), file=sys.stderr); last = time.time()
    time.sleep(0.5)
PY
  if [ "$1" = all ]; then log "healthy: mgr pid $mgr_pid active, osd.0 pid $osd_pid up, all PGs active+clean"
  else log "osd.0 pid $osd_pid up"; fi
}

ensure_pools() {
  local pools; pools=$(ceph_ osd pool ls)
  local p
  for p in "$RBD_POOL" "$RBD_DATA_POOL"; do
    if ! grep -qx "$p" <<<"$pools"; then
      ceph_ osd pool create "$p" 8 >/dev/null
      rbd pool init "$p"
      log "pool $p made (application rbd)"
    fi
  done
  if ! grep -qx "$PLAIN_POOL" <<<"$pools"; then
    ceph_ osd pool create "$PLAIN_POOL" 8 >/dev/null
    ceph_ osd pool application enable "$PLAIN_POOL" rados >/dev/null
    log "pool $PLAIN_POOL made (application rados, not rbd)"
  fi
}

# The RADOS Gateway: its key (made by the mon, so a running cluster gets one too), its conf section, the daemon,
# and the S3 user. The tests make their own buckets. Also writes s3cmd and rclone configurations for that user.
ensure_rgw() {
  write_rgw_conf
  mkdir -p "$LAB/rgw"
  if [ ! -s "$LAB/rgw/keyring" ]; then
    ceph_ auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' -o "$LAB/rgw/keyring"
    log "rgw key made"
  fi
  if ! alive client.rgw.a; then
    port_busy "$RGW_PORT" && die "127.0.0.1:$RGW_PORT is already in use; set STORAGESNAPSHOT_CEPH_RGW_PORT"
    spawn client.rgw.a radosgw -f -n client.rgw.a
  fi
  local deadline=$((SECONDS + WAIT_S))
  until curl -fs -o /dev/null "http://127.0.0.1:$RGW_PORT/"; do
    alive client.rgw.a || { tail -20 "$LAB/log/ceph-client.rgw.a.log" >&2 || true; die "radosgw died (logs: $LAB/log)"; }
    [ $SECONDS -ge $deadline ] && die "radosgw is not answering on 127.0.0.1:$RGW_PORT after ${WAIT_S} s"
    sleep 0.5
  done
  log "rgw answering on http://127.0.0.1:$RGW_PORT"
  if ! timeout 60 radosgw-admin -n client.admin user info --uid="$S3_USER" >/dev/null 2>&1; then
    timeout 60 radosgw-admin -n client.admin user create --uid="$S3_USER" --display-name="StorageSnapshot tests" \
      --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >"$LAB/rgw/user.json"
    log "s3 user $S3_USER made"
  fi
  cat >"$LAB/rgw/s3cfg" <<EOF
[default]
access_key = $S3_ACCESS_KEY
secret_key = $S3_SECRET_KEY
host_base = 127.0.0.1:$RGW_PORT
host_bucket = 127.0.0.1:$RGW_PORT
use_https = False
signature_v2 = False
bucket_location = us-east-1
EOF
  cat >"$LAB/rgw/rclone.conf" <<EOF
[rgw]
type = s3
provider = Ceph
access_key_id = $S3_ACCESS_KEY
secret_access_key = $S3_SECRET_KEY
endpoint = http://127.0.0.1:$RGW_PORT
region = us-east-1
EOF
  chmod 600 "$LAB/rgw/s3cfg" "$LAB/rgw/rclone.conf"
}

print_env() {
  cat <<EOF
export STORAGESNAPSHOT_CEPH_CONF=$LAB/ceph.conf
export STORAGESNAPSHOT_CEPH_POOL=$RBD_POOL
export STORAGESNAPSHOT_CEPH_DATA_POOL=$RBD_DATA_POOL
export STORAGESNAPSHOT_CEPH_PLAIN_POOL=$PLAIN_POOL
export STORAGESNAPSHOT_CEPH_DIR=$LAB
export STORAGESNAPSHOT_S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
export STORAGESNAPSHOT_S3_REGION=us-east-1
export STORAGESNAPSHOT_S3_ACCESS_KEY=$S3_ACCESS_KEY
export STORAGESNAPSHOT_S3_SECRET_KEY=$S3_SECRET_KEY
export STORAGESNAPSHOT_S3_RCLONE_CONF=$LAB/rgw/rclone.conf
export STORAGESNAPSHOT_S3_S3CMD_CONF=$LAB/rgw/s3cfg
EOF
}

# ---------------------------------------------------------------- commands
cmd_start() {
  local owner=$1
  install_packages
  command -v ceph-mon >/dev/null || die "the ceph packages are missing"
  if [ -f "$LAB/state/bootstrapped" ]; then
    if resume; then
      log "resumed the stopped cluster in $LAB"
      [ -n "$owner" ] && echo "$owner" >"$LAB/state/resumed-by"
    else
      log "the cluster in $LAB is running: using it as it is"
    fi
  else
    if [ -d "$LAB" ]; then            # half-made by an interrupted run: start over
      log "removing the incomplete $LAB"
      cmd_stop; rm -rf "$LAB"
    fi
    bootstrap "$owner"
  fi
  wait_cluster osd
  ensure_pools
  ensure_rgw
  wait_cluster all
  log "ready: $LAB/ceph.conf (eval \"\$(bash $0 env)\")"
}

stop_group() {   # SIGTERM the given daemons together (by recorded PID), wait, SIGKILL what is left
  local d p n pids=() names=()
  for d in "$@"; do
    if alive "$d"; then p=$(pid_of "$d"); kill -TERM "$p"; pids+=("$p"); names+=("$d"); fi
  done
  for n in $(seq 1 60); do
    local left=0
    for p in "${pids[@]}"; do [ -d "/proc/$p" ] && left=1; done
    [ $left = 0 ] && break; sleep 0.25
  done
  for n in "${!pids[@]}"; do
    p=${pids[$n]}
    if [ -d "/proc/$p" ]; then kill -KILL "$p"; log "killed ${names[$n]} (pid $p, SIGKILL)"; else log "stopped ${names[$n]} (pid $p)"; fi
  done
  for d in "$@"; do rm -f "$LAB/pids/$d.pid"; done
}

cmd_stop() {
  [ -d "$LAB/pids" ] || return 0
  # the gateway first: stopped together with the OSD it can hang on in-flight RADOS operations until SIGKILL
  stop_group client.rgw.a
  stop_group osd.0 mgr.x
  stop_group mon.a
}

cmd_purge() {
  local owner=$1
  [ -d "$LAB" ] || { log "nothing to purge in $LAB"; return 0; }
  if [ -n "$owner" ]; then
    if [ "$(cat "$LAB/state/owner" 2>/dev/null)" = "$owner" ]; then
      :
    elif [ "$(cat "$LAB/state/resumed-by" 2>/dev/null)" = "$owner" ]; then
      cmd_stop; rm -f "$LAB/state/resumed-by"
      log "stopped the cluster this run resumed; its data in $LAB is kept (it was not made by this run)"
      return 0
    else
      log "left alone: the cluster in $LAB was neither made nor resumed by this run"
      return 0
    fi
  fi
  cmd_stop
  rm -rf "$LAB"
  log "purged $LAB"
}

cmd_status() {
  local d p
  for d in mon.a mgr.x osd.0 client.rgw.a; do
    if alive "$d"; then p=$(pid_of "$d"); echo "$d pid $p rss $(awk '/VmRSS/{print $2" "$3}' "/proc/$p/status")"; else echo "$d not running"; fi
  done
  alive mon.a && ceph_ -s || true
}

command=${1:-}; shift || true
owner=""
while [ $# -gt 0 ]; do
  case $1 in
    --owner) owner=${2:?--owner needs a value}; shift 2 ;;
    *) echo "unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case $command in start|stop|purge)   # one start/stop/purge at a time
  mkdir -p "$(dirname "$LAB")"
  exec 9>"$LAB.lock"; flock -w 600 9 || die "another $0 is running on $LAB" ;; esac
case $command in
  start)  cmd_start "$owner" ;;
  stop)   cmd_stop; log "stopped" ;;
  purge)  cmd_purge "$owner"; [ -d "$LAB" ] || rm -f "$LAB.lock" ;;
  status) cmd_status ;;
  env)    print_env ;;
  *) echo "usage: $0 start|stop|purge [--owner TOKEN] | status | env" >&2; exit 2 ;;
esac
