#!/usr/bin/env bash
# Forwarding rate through a bridge pair: publishers on broker A, the subscriber on broker B, A bridging
# "bench/#" out to B. Runs Tern->Tern and Mosquitto->Mosquitto in the same run, same load, alternating, and
# prints one line per run. The load is the outside generator bench/mqtt-load (C, epoll; `-S` puts its
# subscriber on B), so neither broker pair is measured by Tern's own code.
#   bench/bridge.sh [QOS] [COUNT] [ROUNDS]   (needs tern-dist/target/tern, /usr/sbin/mosquitto, mosquitto_sub and gcc)
# 10 publishers x COUNT (default 20,000) 64-byte messages, up to 100 unacknowledged each.
# max_queued_messages is raised to 1,000,000 on A and B, so that neither drops what its bridge (on A) or its
# subscriber (on B) has not yet taken (with the default 1000 both lose messages and the rate means nothing);
# the in-flight windows stay each broker's default (max_inflight_messages 20).
#   TERN_JAVA_OPTS is passed to both Tern brokers (e.g. a JFR recording).
#   BRIDGE_TERN_BENCH=1 also runs tern-bench (Java) through each pair, as a cross-check of the generator.
set -u
qos=${1:-1}; count=${2:-20000}; rounds=${3:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
tern="$here/tern-dist/target/tern/bin/tern"; bench="$here/tern-dist/target/tern/bin/tern-bench"
work=$(mktemp -d); trap 'kill $pids 2>/dev/null; [ -n "${BRIDGE_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
pids=""
gcc -O2 -o "$work/mqtt-load" "$here/bench/mqtt-load.c" || exit 2
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
pair() { # $1 = broker command, $2 = name, $3 = round
  local a b; a=$(port); b=$(port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n' "$b" > "$work/$2-b.conf"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\nconnection bench\naddress 127.0.0.1:%s\nrestart_timeout 1\ntopic bench/# out %s\n' \
      "$a" "$b" "$qos" > "$work/$2-a.conf"
  $1 -c "$work/$2-b.conf" > "$work/$2-b.log" 2>&1 & pids="$pids $!"; wait_port "$b"
  $1 -c "$work/$2-a.conf" > "$work/$2-a.log" 2>&1 & local apid=$!; pids="$pids $apid"; wait_port "$a"
  # the bridge is up when its notification (retained "1" on the remote) is there; no -v: logging every
  # PUBLISH would cost both brokers more than forwarding it
  mosquitto_sub -p "$b" -t '$SYS/broker/connection/+/state' -C 1 -W 30 2>/dev/null | grep -q '^1$' \
      || echo "$2: the bridge did not connect" >&2
  local t0; t0=$(awk '{print $14+$15}' /proc/$apid/stat)
  "$work/mqtt-load" fanin -p "$a" -S "$b" -c 10 -n "$count" -q "$qos" -w 100 -t 120 > "$work/$2.json"
  local t1; t1=$(awk '{print $14+$15}' /proc/$apid/stat)
  python3 - "$work/$2.json" "$2" "$3" "$(( (t1 - t0) ))" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:9} round {sys.argv[3]}: {d['msgs_per_s']:>9,.0f} msg/s  lost {d['lost']}  dup {d['dup']}"
      f"  out_of_order {d.get('out_of_order', 0)}  bridging broker CPU {int(sys.argv[4]) / 100:.2f} s")
PY
  if [ "${BRIDGE_TERN_BENCH:-0}" = 1 ]; then
    nice -n 10 "$bench" fanin -c 10 -n 1 -q "$qos" -p "$a" --sub-ports "$b" -t 'bench/%i' --filter 'bench/#' \
        -d 10 --drain 5 --quiet | grep -E 'delivered|received|lost|rate|msg/s' | head -6
  fi
  kill $pids 2>/dev/null; wait 2>/dev/null; pids=""
}
echo "== bridge pair, QoS $qos, 10 x $count messages, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  pair "$tern" tern "$r"
  pair /usr/sbin/mosquitto mosquitto "$r"
done
