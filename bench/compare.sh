#!/usr/bin/env bash
# Side by side: the same tern-bench scenarios against Tern and Mosquitto on this machine, alternating,
# with each broker's CPU (/proc/PID/stat) and RSS (/proc/PID/status) sampled. Prints a table with the
# ratio Tern/Mosquitto. Installs nothing; see bench/README.md. Whole run: about 4-6 minutes.
#
#   bench/compare.sh [--duration S] [--with-50k] [--jfr] [--no-build] [--out DIR]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=10
WITH_50K=0
JFR=0
BUILD=1
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --with-50k) WITH_50K=1; shift ;;
    --jfr) JFR=1; shift ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
START_TIME=$(date +%s)

die() { echo "compare.sh: $*" >&2; exit 1; }
MOSQUITTO=/usr/sbin/mosquitto
[ -x "$MOSQUITTO" ] || die "Debian's mosquitto is not installed ($MOSQUITTO); apt-get install mosquitto"
command -v java >/dev/null || die "java not found"
command -v jq >/dev/null || die "jq not found; apt-get install jq"

if [ "$BUILD" = 1 ]; then
  echo "building tern-bench and tern-dist (mvn package -DskipTests) ..."
  (cd "$ROOT" && mvn -q -pl tern-bench,tern-dist -am package -DskipTests) || die "build failed"
fi
BENCH_JAR=$(ls "$ROOT"/tern-bench/target/tern-bench-*-jar-with-dependencies.jar 2>/dev/null | head -1)
[ -n "$BENCH_JAR" ] || die "no tern-bench jar; run without --no-build"
TERN_BIN="$ROOT/tern-dist/target/tern/bin/tern"
[ -x "$TERN_BIN" ] || die "no Tern distribution at $TERN_BIN; run without --no-build"

# Each process may hold one descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$WITH_50K" = 1 ] && [ "$(ulimit -n)" -lt 52000 ]; then
  ulimit -Hn 120000 2>/dev/null && ulimit -n 120000 2>/dev/null \
    || { echo "compare.sh: open-file limit $(ulimit -n) is too low for 50,000 connections; skipping them" >&2; WITH_50K=0; }
fi

free_port() {
  local p
  for _ in $(seq 1 100); do
    # below the kernel's ephemeral range (32768+), where outgoing connections could hold the port
    p=$((20000 + RANDOM % 12000))
    if command -v ss >/dev/null && ss -Htan "( sport = :$p )" 2>/dev/null | grep -q .; then continue; fi
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free port found"
}

write_conf() { # file port: an equivalent config for both brokers
  cat > "$1" <<EOF
# written by bench/compare.sh: anonymous, no persistence, queues and windows large enough for a fair test
listener $2 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 1000000
set_tcp_nodelay true
connection_messages false
EOF
}

TERN_PORT=$(free_port); MOSQ_PORT=$(free_port)
while [ "$MOSQ_PORT" = "$TERN_PORT" ]; do MOSQ_PORT=$(free_port); done
write_conf "$OUT/tern.conf" "$TERN_PORT"
write_conf "$OUT/mosquitto.conf" "$MOSQ_PORT"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

wait_port() { # port pid name
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited at start; see $OUT/$3.log"
    sleep 0.1
  done
  die "$3 did not listen on port $1 within 30 s"
}

"$TERN_BIN" -c "$OUT/tern.conf" > "$OUT/tern.log" 2>&1 &
TERN_PID=$!; PIDS+=("$TERN_PID")
"$MOSQUITTO" -c "$OUT/mosquitto.conf" > "$OUT/mosquitto.log" 2>&1 &
MOSQ_PID=$!; PIDS+=("$MOSQ_PID")
wait_port "$TERN_PORT" "$TERN_PID" tern
wait_port "$MOSQ_PORT" "$MOSQ_PID" mosquitto
echo "tern      pid $TERN_PID port $TERN_PORT ($(java -version 2>&1 | head -1))"
echo "mosquitto pid $MOSQ_PID port $MOSQ_PORT ($("$MOSQUITTO" -h 2>&1 | head -1))"
echo "results in $OUT"

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }   # utime + stime
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

sample_peak() { # pid file: keeps the highest RSS seen in file until killed
  local max=0 r
  while kill -0 "$1" 2>/dev/null; do
    r=$(rss_kb "$1" 2>/dev/null || echo 0)
    [ "${r:-0}" -gt "$max" ] && max=$r && echo "$max" > "$2"
    sleep 0.2
  done
}

RESULTS="$OUT/results.tsv"
printf 'scenario\tbroker\tmsgs_per_s\tp50_us\tp99_us\tlost\tdup\tooo\tbroker_cpu_s\trss_before_kb\trss_peak_kb\tconnected\tconnect_rate\tbench_cpu_s\n' > "$RESULTS"

run_one() { # scenario-name broker tern-bench-args...
  local name=$1 broker=$2; shift 2
  local pid port
  if [ "$broker" = tern ]; then pid=$TERN_PID; port=$TERN_PORT; else pid=$MOSQ_PID; port=$MOSQ_PORT; fi
  kill -0 "$pid" 2>/dev/null || die "$broker died; see $OUT/$broker.log"
  local c0 r0 c1 peak sampler
  c0=$(cpu_ticks "$pid"); r0=$(rss_kb "$pid")
  echo "$r0" > "$OUT/$name.$broker.peak"
  sample_peak "$pid" "$OUT/$name.$broker.peak" & sampler=$!
  if [ "$JFR" = 1 ] && [ "$broker" = tern ] && [ "$name" = fanin-q1 ]; then
    jcmd "$TERN_PID" JFR.start name=fanin settings=profile filename="$OUT/tern-fanin-q1.jfr" >/dev/null
  fi
  java -Xmx2g -jar "$BENCH_JAR" "$@" -p "$port" --json --quiet \
    > "$OUT/$name.$broker.json" 2> "$OUT/$name.$broker.err" || true
  if [ "$JFR" = 1 ] && [ "$broker" = tern ] && [ "$name" = fanin-q1 ]; then
    jcmd "$TERN_PID" JFR.stop name=fanin >/dev/null
  fi
  c1=$(cpu_ticks "$pid")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak=$(cat "$OUT/$name.$broker.peak")
  if ! jq -e . "$OUT/$name.$broker.json" >/dev/null 2>&1; then
    echo "  $name on $broker: no result (see $OUT/$name.$broker.err)" >&2
    printf '%s\t%s\t0\t0\t0\t-1\t-1\t-1\t%s\t%s\t%s\t0\t0\t0\n' "$name" "$broker" \
      "$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}')" "$r0" "$peak" >> "$RESULTS"
    return
  fi
  jq -r --arg n "$name" --arg b "$broker" --arg cpu "$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}')" \
     --arg r0 "$r0" --arg peak "$peak" \
     '[$n, $b, (.msgs_per_s|floor), (.latency_us.p50|floor), (.latency_us.p99|floor), .lost, .dup, .out_of_order,
       $cpu, $r0, $peak, .connected, (.connect_rate|floor), .bench_cpu_s] | @tsv' \
     "$OUT/$name.$broker.json" >> "$RESULTS"
  tail -1 "$RESULTS" | awk -F'\t' '{printf "  %-12s %-9s %9s msg/s  p99 %7s us  lost %s dup %s ooo %s  broker CPU %s s  RSS %s->%s kB\n",
    $1, $2, $3, $5, $6, $7, $8, $9, $10, $11}'
}

# Alternate which broker goes first, so neither always runs on a machine still busy with the other.
ORDER=0
both() { # scenario-name tern-bench-args...
  local name=$1; shift
  if [ $((ORDER % 2)) = 0 ]; then run_one "$name" tern "$@"; run_one "$name" mosquitto "$@"
  else run_one "$name" mosquitto "$@"; run_one "$name" tern "$@"; fi
  ORDER=$((ORDER + 1))
}

D=$DURATION
echo "idle connections first, while both brokers are fresh: RSS grown by earlier scenarios would be reused"
both conn-10k   conn    -c 10000 -d 5 --connect-timeout 60 --keepalive 600
if [ "$WITH_50K" = 1 ]; then
  both conn-50k conn    -c 50000 -d 5 --connect-timeout 120 --keepalive 600
fi
echo "warm-up (not reported): 5 s fan-in QoS 1 on each broker, so the JVM's JIT has compiled the hot paths"
for b in tern mosquitto; do run_one warmup "$b" fanin -c 10 -q 1 -s 64 -d 5 --drain 5 >/dev/null; done
sed -i '/^warmup\t/d' "$RESULTS"
echo "scenarios (${D} s each):"

both fanin-q0   fanin   -c 10 -n 1 -q 0 -s 64 -d "$D" --drain 10
both fanin-q1   fanin   -c 10 -n 1 -q 1 -s 64 -d "$D" --drain 10 --inflight 100
both fanin-q2   fanin   -c 10 -n 1 -q 2 -s 64 -d "$D" --drain 10 --inflight 100
both fanout-q0  fanout  -c 100 -q 0 -s 64 -d "$D" --drain 10
both latency-q0 latency -c 1 -n 1 -q 0 -s 64 --rate 10000 -d "$D" --drain 5
both latency-q1 latency -c 1 -n 1 -q 1 -s 64 --rate 10000 -d "$D" --drain 5 --inflight 1000

if [ "$JFR" = 1 ] && [ -f "$OUT/tern-fanin-q1.jfr" ]; then
  # top-of-stack frames of Tern's threads during fan-in QoS 1
  jfr print --events jdk.ExecutionSample "$OUT/tern-fanin-q1.jfr" \
    | awk '/stackTrace = \[/ {getline; sub(/^[ \t]+/, ""); sub(/line:.*/, ""); print}' \
    | sort | uniq -c | sort -rn | head -25 > "$OUT/tern-fanin-q1.top.txt" || true
  # the same by Tern/Netty/JDK frame anywhere on the stack would hide the leaf; leaves say where CPU goes
fi

echo
echo "Tern / Mosquitto on $(nproc) cores, $(uname -r); payload 64 B; ratio > 1 means Tern is higher"
awk -F'\t' '
  NR == 1 { next }
  { key = $1; order[key] = order[key] ? order[key] : ++n; name[n] = key
    for (i = 3; i <= 14; i++) v[key, $2, i] = $i }
  function ratio(a, b) { return (b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }
  END {
    printf "%-11s | %11s %11s %6s | %17s %17s %6s | %-13s %-13s | %7s %7s\n", "scenario", "tern msg/s", "mosq msg/s", "ratio",
      "tern p50/p99", "mosq p50/p99", "ratio", "tern lost/dup", "mosq lost/dup", "tern cpu", "mosq cpu"
    for (k = 1; k <= n; k++) {
      s = name[k]
      if (s ~ /^conn/) {
        tr = (v[s,"tern",11] - v[s,"tern",10]) / (v[s,"tern",12] > 0 ? v[s,"tern",12] : 1)
        mr = (v[s,"mosquitto",11] - v[s,"mosquitto",10]) / (v[s,"mosquitto",12] > 0 ? v[s,"mosquitto",12] : 1)
        printf "%-11s | %6d conn %6d conn       | %6s conn/s vs %6s conn/s  | RSS/conn %.1f kB vs %.1f kB (ratio %s) | %7s %7s\n", s,
          v[s,"tern",12], v[s,"mosquitto",12], v[s,"tern",13], v[s,"mosquitto",13], tr, mr, ratio(tr, mr),
          v[s,"tern",9], v[s,"mosquitto",9]
      } else {
        printf "%-11s | %11d %11d %6s | %17s %17s %6s | %-13s %-13s | %7s %7s\n", s,
          v[s,"tern",3], v[s,"mosquitto",3], ratio(v[s,"tern",3], v[s,"mosquitto",3]),
          v[s,"tern",4] "/" v[s,"tern",5] "us", v[s,"mosquitto",4] "/" v[s,"mosquitto",5] "us", ratio(v[s,"tern",5], v[s,"mosquitto",5]),
          v[s,"tern",6] "/" v[s,"tern",7] "/" v[s,"tern",8], v[s,"mosquitto",6] "/" v[s,"mosquitto",7] "/" v[s,"mosquitto",8],
          v[s,"tern",9], v[s,"mosquitto",9]
      }
    }
  }' "$RESULTS" | tee "$OUT/table.txt"
echo "(ratio of p99 < 1 means Tern is faster; lost = not received by the end of the drain, lost/dup = lost/duplicated/out-of-order; cpu = broker CPU seconds during the scenario; raw: $RESULTS)"
[ -f "$OUT/tern-fanin-q1.top.txt" ] && { echo; echo "Tern fan-in QoS 1, top JFR leaf frames:"; cat "$OUT/tern-fanin-q1.top.txt"; }
echo "finished in $(( $(date +%s) - START_TIME )) s"
