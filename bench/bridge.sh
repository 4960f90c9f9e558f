#!/usr/bin/env bash
# Forwarding rate through a bridge pair: publishers on broker A, the subscriber on broker B, A bridging
# "bench/#" out to B. Runs Tern->Tern and Mosquitto->Mosquitto in the same run, same load, and prints both.
#   bench/bridge.sh [QOS] [SECONDS]      (needs tern-dist/target/tern and /usr/sbin/mosquitto)
set -u
qos=${1:-1}; secs=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
tern="$here/tern-dist/target/tern/bin/tern"; bench="$here/tern-dist/target/tern/bin/tern-bench"
work=$(mktemp -d); trap 'kill $pids 2>/dev/null; rm -rf "$work"' EXIT
pids=""
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
pair() { # $1 = broker command, $2 = name
  local a b; a=$(port); b=$(port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$b" > "$work/$2-b.conf"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nconnection bench\naddress 127.0.0.1:%s\nrestart_timeout 1\ntopic bench/# out %s\n' "$a" "$b" "$qos" > "$work/$2-a.conf"
  $1 -c "$work/$2-b.conf" > "$work/$2-b.log" 2>&1 & pids="$pids $!"; wait_port "$b"
  $1 -c "$work/$2-a.conf" > "$work/$2-a.log" 2>&1 & pids="$pids $!"; wait_port "$a"
  sleep 2 # the bridge connects
  nice -n 10 "$bench" fanin -c 10 -n 1 -q "$qos" -p "$a" --sub-ports "$b" -t 'bench/%i' --filter 'bench/#' \
      -d "$secs" --drain 5 --quiet | tee "$work/$2.txt" | grep -E 'delivered|received|lost|rate|msg/s' | head -6
  kill $pids 2>/dev/null; wait 2>/dev/null; pids=""
}
echo "== Tern -> Tern (QoS $qos, ${secs}s)"; pair "$tern" tern
echo "== Mosquitto -> Mosquitto (QoS $qos, ${secs}s)"; pair /usr/sbin/mosquitto mosquitto
