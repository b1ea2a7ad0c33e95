#!/usr/bin/env bash
# A throwaway Redis for tests, on a free TCP port of 127.0.0.1, without persistence.
#   scripts/redis-test-server.sh start [DIR]   start redis-server with its files in DIR (default
#                                              build/redis-test), print its URL
#   scripts/redis-test-server.sh stop [DIR]    stop it and remove DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
dir=$(realpath -m "${2:-$root/build/redis-test}")

stop() {
  if [ -f "$dir/redis.pid" ]; then
    local pid; pid=$(cat "$dir/redis.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

start() {
  command -v redis-server >/dev/null || { echo "redis-test-server: redis-server not found (apt-get install redis-server)" >&2; exit 1; }
  stop
  mkdir -p "$dir"
  local port
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/server.log" >/dev/null
  for _ in $(seq 100); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      echo "redis://127.0.0.1:$port" | tee "$dir/url"
      return 0
    fi
    sleep 0.1
  done
  cat "$dir/server.log" >&2 || true
  echo "redis-test-server: the server did not answer" >&2
  exit 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
