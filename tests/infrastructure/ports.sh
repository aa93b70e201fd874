# ports.sh — sourced by postgres.sh and s3rver.sh: how a test server finds a port to listen on.
#
# The servers listen on ports below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by
# default). Every outgoing connection on this host — Ceph's daemons talking to each other, the tests' clients — takes
# its local port from that range, and a port taken that way between the check and the bind made PostgreSQL fail with
# "Address already in use" while the Ceph cluster was starting (CI, 2026-12-04; it listened on 55432 then). A port is
# "in use" when any TCP socket holds it, connected or listening, and a server that still loses the race moves on to
# the next free port (first_free_port after the one refused).

# port_in_use <port>: some TCP socket on this host holds the port (listening, connected or closing).
port_in_use() {
  if command -v ss >/dev/null; then ss -Htan "sport = :$1" | grep -q .
  else grep -qi ":$(printf '%04X' "$1") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; fi
}

# port_listening <port>: a server listens on the port.
port_listening() {
  if command -v ss >/dev/null; then ss -Hltn "sport = :$1" | grep -q .
  else grep -qi ":$(printf '%04X' "$1") 0\{8,32\}:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; fi
}

# first_free_port <first> <last>: the first port of the range no socket holds; fails (status 1) when every one is held.
first_free_port() {
  local p
  for p in $(seq "$1" "$2"); do
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  return 1
}
