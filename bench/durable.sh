#!/usr/bin/env bash
# Persistent fan-in QoS 1, Tern durable against Mosquitto with persistence on, alternating in one run:
# 10 publishers x COUNT 64-byte QoS 1 messages (up to 100 unacknowledged each) to one subscriber with a
# persistent session (mqtt-load fanin -q 1 -P 1), fresh stores every run. Tern runs with `persistence true` and
# `persistence_sync batch` (acknowledged = fsynced); Mosquitto with `persistence true` (it snapshots at
# exit/autosave only: an acknowledged message is not on disk). Prints each run and the ratio of the medians.
#
#   bench/durable.sh [ROUNDS] [COUNT]      (defaults 3 and 20000; builds nothing: run bench/compare.sh once first,
#                                           or `mvn -B -q package -DskipTests -pl tern-dist -am`)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
COUNT=${2:-20000}
TERN_BIN="${TERN_BIN:-$ROOT/tern-dist/target/tern/bin/tern}"
[ -x "$TERN_BIN" ] || { echo "durable.sh: no $TERN_BIN (build tern-dist first)" >&2; exit 1; }
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { echo "durable.sh: no mosquitto" >&2; exit 1; }
OUT=$(mktemp -d "${TMPDIR:-/tmp}/tern-durable.XXXXXX")
trap 'kill $BROKER 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT
gcc -O2 -Wall -o "$OUT/mqtt-load" "$ROOT/bench/mqtt-load.c"

port() { echo $((20000 + RANDOM % 12000)); }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

run() { # broker round
  local b=$1 p dir
  p=$(port); dir="$OUT/$b-$2"; mkdir -p "$dir"
  cat > "$dir/broker.conf" <<EOF
listener $p 127.0.0.1
allow_anonymous true
persistence true
persistence_location $dir/
max_inflight_messages 0
max_queued_messages 1000000
connection_messages false
EOF
  if [ "$b" = tern ]; then
    echo "persistence_sync batch" >> "$dir/broker.conf"
    "$TERN_BIN" -c "$dir/broker.conf" > "$dir/log" 2>&1 & BROKER=$!
  else
    /usr/sbin/mosquitto -c "$dir/broker.conf" > "$dir/log" 2>&1 & BROKER=$!
  fi
  wait_port "$p" || { echo "$b did not start; see $dir/log" >&2; exit 1; }
  "$OUT/mqtt-load" fanin -p "$p" -c 10 -n "$COUNT" -q 1 -w 100 -P 1 -t 120 > "$dir/result.json"
  kill "$BROKER"; wait "$BROKER" 2>/dev/null || true
  printf '%s round %s: %s\n' "$b" "$2" "$(jq -c '{rate: (.msgs_per_s|floor), lost, dup}' "$dir/result.json")"
  jq '.msgs_per_s' "$dir/result.json" >> "$OUT/$b.rates"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); fan-in QoS 1, 10 x $COUNT, persistent subscriber"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then run tern "$r"; run mosquitto "$r"; else run mosquitto "$r"; run tern "$r"; fi
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
t=$(median "$OUT/tern.rates"); m=$(median "$OUT/mosquitto.rates")
echo "median msg/s: Tern (durable, batch) $t, Mosquitto (persistence true, not durable) $m, ratio $(awk -v t="$t" -v m="$m" 'BEGIN {printf "%.2f", t / m}')"
