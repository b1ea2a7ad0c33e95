#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests, on a free TCP port of 127.0.0.1, with fsync off.
#   scripts/pg-test-server.sh start [DIR]   initdb into DIR (default build/pg-test), start it, create
#                                           database switchyard_test, print its URL
#   scripts/pg-test-server.sh stop [DIR]    stop it and remove DIR
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (created by
# the Debian package), with DIR chowned to it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=/usr/lib/postgresql/15/bin
cmd=${1:-}
dir=$(realpath -m "${2:-$root/build/pg-test}")

as_server=()
if [ "$(id -u)" -eq 0 ]; then as_server=(runuser -u postgres --); fi

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

start() {
  [ -x "$bin/initdb" ] || { echo "pg-test-server: $bin/initdb not found (apt-get install postgresql)" >&2; exit 1; }
  stop
  mkdir -p "$dir"
  [ ${#as_server[@]} -eq 0 ] || chown postgres:postgres "$dir"
  local port
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_server[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$dir' -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 2>&1 || { cat "$dir/server.log" >&2; exit 1; }
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres switchyard_test
  echo "postgresql://postgres@127.0.0.1:$port/switchyard_test" | tee "$dir/url"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
