#!/usr/bin/env bash
# Side by side: Tern, Mosquitto and HiveMQ CE (embedded) on this machine, the same scenarios alternating
# between them in one run, measured by the outside generator bench/mqtt-load (C, epoll, its own MQTT 3.1.1
# codec) and, for cross-checks, by tern-bench. Each broker's CPU (/proc/PID/stat) and peak RSS
# (/proc/PID/status) are sampled per scenario. Prints a table of medians over --repeat rounds with the
# ratios Tern/Mosquitto and Tern/HiveMQ. Installs nothing; see bench/README.md.
#
#   bench/compare.sh [--repeat N] [--duration S] [--count N] [--no-hivemq] [--no-build] [--jfr] [--out DIR]
#   bench/compare.sh --conn-only     # only the 10,000 idle connections on fresh brokers
#   bench/compare.sh --table DIR     # the table again from DIR/results.jsonl (of a finished or cut-short run)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPEAT=3
DURATION=10
COUNT=20000
HIVEMQ=1
JFR=0
BUILD=1
OUT=""
TABLE_ONLY=""
CONN_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) REPEAT=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    --no-hivemq) HIVEMQ=0; shift ;;
    --conn-only) CONN_ONLY=1; shift ;;
    --jfr) JFR=1; shift ;;
    --no-build) BUILD=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --table) TABLE_ONLY=$2; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$ROOT/bench/out/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
START_TIME=$(date +%s)

die() { echo "compare.sh: $*" >&2; exit 1; }

table() { # results.jsonl: medians per scenario and broker
echo
echo "medians over the rounds on $(nproc) cores, $(uname -r); 64 B payloads; ratio > 1: Tern higher"
jq -s -r --argjson hive "$(grep -q '"broker":"hivemq"' "$1" && echo 1 || echo 0)" '
  def median: sort | if length == 0 then 0 elif length % 2 == 1 then .[length / 2 | floor]
                     else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def r(a; b): if b > 0 then (a / b * 100 | round / 100 | tostring) else "-" end;
  def f(x): (x | floor | tostring);
  group_by(.scenario) | map({key: .[0].scenario, value: (group_by(.broker) | map({key: .[0].broker, value: {
      rate: (map(.rate) | median), rates: (map(.rate | floor) | map(tostring) | join(" ")),
      p50: (map(.p50) | median), p99: (map(.p99) | median), lost: (map(.lost) | max), dup: (map(.dup) | max),
      cpu: (map(.broker_cpu) | median | . * 100 | round / 100), rss: (map(.rss_peak_kb) | max), rss0: (map(.rss_before_kb) | min),
      conn: (map(.connected) | max), crate: (map(.connect_rate) | median)}}) | from_entries)})
  | .[] | .key as $s | .value as $v |
  if ($s | startswith("conn")) then
    "\($s): connect rate T/M/H \(f($v.tern.crate))/\(f($v.mosquitto.crate))/\(f($v.hivemq.crate // 0)) conn/s; RSS per connection T/M/H " +
    ([$v.tern, $v.mosquitto, ($v.hivemq // null)] | map(if . == null then "-" else
      (((.rss - .rss0) / (if .conn > 0 then .conn else 1 end)) * 10 | round / 10 | tostring) + " kB" end) | join(" / "))
  else
    "\($s): T \(f($v.tern.rate)) M \(f($v.mosquitto.rate))" + (if $hive == 1 then " H \(f($v.hivemq.rate))" else "" end) +
    " msg/s | T/M \(r($v.tern.rate; $v.mosquitto.rate))" + (if $hive == 1 then " T/H \(r($v.tern.rate; $v.hivemq.rate))" else "" end) +
    " | p50/p99 us T \(f($v.tern.p50))/\(f($v.tern.p99)) M \(f($v.mosquitto.p50))/\(f($v.mosquitto.p99))" +
    (if $hive == 1 then " H \(f($v.hivemq.p50))/\(f($v.hivemq.p99))" else "" end) +
    " | lost/dup T \($v.tern.lost)/\($v.tern.dup) M \($v.mosquitto.lost)/\($v.mosquitto.dup)" +
    (if $hive == 1 then " H \($v.hivemq.lost)/\($v.hivemq.dup)" else "" end) +
    " | CPU s T \($v.tern.cpu) M \($v.mosquitto.cpu)" + (if $hive == 1 then " H \($v.hivemq.cpu)" else "" end) +
    " | peak RSS MB T \($v.tern.rss / 1024 | floor) M \($v.mosquitto.rss / 1024 | floor)" +
    (if $hive == 1 then " H \($v.hivemq.rss / 1024 | floor)" else "" end) +
    " | rounds T [\($v.tern.rates)] M [\($v.mosquitto.rates)]" + (if $hive == 1 then " H [\($v.hivemq.rates)]" else "" end)
  end' "$1"
echo "(rate = unique messages received / (last receipt - first publish); lost = not received when the run ended;"
echo " CPU = the broker's CPU seconds during the scenario; raw: $1)"
}

if [ -n "$TABLE_ONLY" ]; then
  [ -f "$TABLE_ONLY/results.jsonl" ] || die "no $TABLE_ONLY/results.jsonl"
  table "$TABLE_ONLY/results.jsonl"
  exit 0
fi
MOSQUITTO=/usr/sbin/mosquitto
[ -x "$MOSQUITTO" ] || die "Debian's mosquitto is not installed ($MOSQUITTO); apt-get install mosquitto"
command -v java >/dev/null || die "java not found"
command -v jq >/dev/null || die "jq not found; apt-get install jq"
command -v gcc >/dev/null || die "gcc not found (it builds bench/mqtt-load.c); apt-get install gcc"

LOAD="$OUT/mqtt-load"
gcc -O2 -Wall -o "$LOAD" "$ROOT/bench/mqtt-load.c" || die "cannot build bench/mqtt-load.c"
PEER="$ROOT/tern-bench/hivemq-peer"
if [ "$BUILD" = 1 ]; then
  echo "building tern-bench and tern-dist (mvn package -DskipTests) ..."
  (cd "$ROOT" && mvn -q -B -pl tern-bench,tern-dist -am package -DskipTests) || die "build failed"
  # the installation step README.md asks for: the AppCDS archive bin/tern starts with (lib/tern.jsa)
  "$ROOT/tern-dist/target/tern/bin/tern" --make-cds-archive || die "bin/tern --make-cds-archive failed"
  if [ "$HIVEMQ" = 1 ]; then
    echo "building the HiveMQ CE peer (tern-bench/hivemq-peer) ..."
    mvn -q -B -f "$PEER/pom.xml" package || die "HiveMQ peer build failed (or run with --no-hivemq)"
  fi
fi
BENCH_JAR=$(ls "$ROOT"/tern-bench/target/tern-bench-*-jar-with-dependencies.jar 2>/dev/null | head -1)
[ -n "$BENCH_JAR" ] || die "no tern-bench jar; run without --no-build"
TERN_BIN="$ROOT/tern-dist/target/tern/bin/tern"
[ -x "$TERN_BIN" ] || die "no Tern distribution at $TERN_BIN; run without --no-build"
if [ "$HIVEMQ" = 1 ]; then
  [ -f "$PEER/target/classpath.txt" ] || die "no HiveMQ peer build; run without --no-build or with --no-hivemq"
fi

# Each process may hold one descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

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

write_conf() { # file port: the issue's broker config, the same for Tern and Mosquitto
  cat > "$1" <<EOF
# written by bench/compare.sh: anonymous, no persistence, unlimited in-flight, queues large enough
listener $2 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 0
max_queued_messages 1000000
set_tcp_nodelay true
connection_messages false
EOF
}

declare -A PORT PID
BROKERS=(tern mosquitto)
[ "$HIVEMQ" = 1 ] && BROKERS+=(hivemq)
used=" "
for b in "${BROKERS[@]}"; do
  p=$(free_port); while [[ "$used" == *" $p "* ]]; do p=$(free_port); done
  used="$used$p "; PORT[$b]=$p
done
write_conf "$OUT/tern.conf" "${PORT[tern]}"
write_conf "$OUT/mosquitto.conf" "${PORT[mosquitto]}"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

wait_port() { # port pid name
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited at start; see $OUT/$3.log"
    sleep 0.1
  done
  die "$3 did not listen on port $1 within 60 s"
}

# each broker starts on a fresh process, so the idle-connection RSS is measured before any load
"$TERN_BIN" -c "$OUT/tern.conf" > "$OUT/tern.log" 2>&1 &
PID[tern]=$!; PIDS+=("${PID[tern]}")
"$MOSQUITTO" -c "$OUT/mosquitto.conf" > "$OUT/mosquitto.log" 2>&1 &
PID[mosquitto]=$!; PIDS+=("${PID[mosquitto]}")
if [ "$HIVEMQ" = 1 ]; then
  # the same heap and GC family as Tern's launcher
  java -XX:+UseG1GC -Xmx2g -cp "$PEER/target/hivemq-peer-0.1.0-SNAPSHOT.jar:$(cat "$PEER/target/classpath.txt")" \
    io.tern.bench.hivemq.HiveMqPeer "${PORT[hivemq]}" "$OUT/hivemq-work" > "$OUT/hivemq.log" 2>&1 &
  PID[hivemq]=$!; PIDS+=("${PID[hivemq]}")
fi
for b in "${BROKERS[@]}"; do wait_port "${PORT[$b]}" "${PID[$b]}" "$b"; done
echo "tern      pid ${PID[tern]} port ${PORT[tern]} ($(java -version 2>&1 | head -1))"
echo "mosquitto pid ${PID[mosquitto]} port ${PORT[mosquitto]} ($("$MOSQUITTO" -h 2>&1 | head -1))"
[ "$HIVEMQ" = 1 ] && echo "hivemq    pid ${PID[hivemq]} port ${PORT[hivemq]} (HiveMQ CE 2025.5 embedded)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"

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

RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

# run_one ROUND SCENARIO BROKER TOOL ARGS...: TOOL is load (bench/mqtt-load) or tb (tern-bench)
run_one() {
  local round=$1 name=$2 broker=$3 tool=$4; shift 4
  local pid=${PID[$broker]} port=${PORT[$broker]}
  kill -0 "$pid" 2>/dev/null || die "$broker died; see $OUT/$broker.log"
  local c0 r0 c1 peak sampler t0 t1 base="$OUT/$name.$broker.$round"
  c0=$(cpu_ticks "$pid"); r0=$(rss_kb "$pid")
  echo "$r0" > "$base.peak"
  sample_peak "$pid" "$base.peak" & sampler=$!
  if [ "$JFR" = 1 ] && [ "$broker" = tern ] && [ "$round" = 1 ] && [[ "$name" == fanin-q[12] ]]; then
    jcmd "$pid" JFR.start name="$name" settings=profile filename="$OUT/tern-$name.jfr" >/dev/null
  fi
  t0=$(date +%s.%N)
  if [ "$tool" = load ]; then
    timeout 300 nice -n 5 "$LOAD" "$@" -p "$port" > "$base.json" 2> "$base.err" || true
  else
    timeout 300 java -Xmx2g -jar "$BENCH_JAR" "$@" -p "$port" --json --quiet > "$base.json" 2> "$base.err" || true
  fi
  t1=$(date +%s.%N)
  if [ "$JFR" = 1 ] && [ "$broker" = tern ] && [ "$round" = 1 ] && [[ "$name" == fanin-q[12] ]]; then
    jcmd "$pid" JFR.stop name="$name" >/dev/null
  fi
  c1=$(cpu_ticks "$pid")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak=$(cat "$base.peak" 2>/dev/null); [[ "$peak" =~ ^[0-9]+$ ]] || peak=$r0
  [[ "$r0" =~ ^[0-9]+$ ]] || r0=0
  local cpu wall
  cpu=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}')
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
  if ! jq -e . "$base.json" >/dev/null 2>&1; then
    echo "  $name on $broker: no result (see $base.err)" >&2
    echo "{}" > "$base.json"
  fi
  jq -c --arg n "$name" --arg b "$broker" --arg tool "$tool" --argjson round "$round" --argjson cpu "$cpu" \
     --argjson wall "$wall" --argjson r0 "$r0" --argjson peak "$peak" \
     '{scenario: $n, broker: $b, tool: $tool, round: $round, rate: (.msgs_per_s // 0),
       p50: (.latency_us.p50 // 0), p99: (.latency_us.p99 // 0), lost: (.lost // -1), dup: (.dup // -1),
       ooo: (.out_of_order // -1), connected: (.connected // 0), connect_rate: (.connect_rate // 0),
       bench_cpu: (.bench_cpu_s // 0), broker_cpu: $cpu, wall: $wall, rss_before_kb: $r0, rss_peak_kb: $peak}' \
     "$base.json" >> "$RESULTS"
  tail -1 "$RESULTS" | jq -r '"  \(.scenario|tostring|.[0:14]) \(.broker)\t\(.rate|floor) msg/s  p50/p99 \(.p50)/\(.p99) us  lost \(.lost) dup \(.dup)  broker CPU \(.broker_cpu) s  RSS \(.rss_before_kb)->\(.rss_peak_kb) kB"'
}

# every broker once per scenario, the order rotating from scenario to scenario and round to round, so no
# broker always runs on a machine still busy with another
ORDER=0
all() { # round scenario tool args...
  local round=$1 name=$2 tool=$3; shift 3
  local n=${#BROKERS[@]} i
  for ((i = 0; i < n; i++)); do
    run_one "$round" "$name" "${BROKERS[$(((ORDER + i) % n))]}" "$tool" "$@"
  done
  ORDER=$((ORDER + 1))
}

C=$COUNT
echo "idle connections first, while every broker is fresh (RSS grown by load would be reused):"
all 1 conn-10k load conn -c 10000 -d 5 -t 120
if [ "$CONN_ONLY" = 1 ]; then REPEAT=0; fi
[ "$REPEAT" -gt 0 ] && echo "warm-up (not reported): fan-in QoS 1 and 2 and fan-out, so the JVMs' JIT has compiled the hot paths"
for b in "${BROKERS[@]}"; do
  [ "$REPEAT" -gt 0 ] || break
  for q in 1 2; do run_one 0 warmup "$b" load fanin -c 10 -n "$C" -q $q -w 100 -t 120 >/dev/null; done
  run_one 0 warmup "$b" load fanout -c 100 -n 2000 -q 0 -t 120 >/dev/null
done
grep -v '"scenario":"warmup"' "$RESULTS" > "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
for r in $(seq 1 "$REPEAT"); do
  echo "round $r of $REPEAT:"
  all "$r" fanin-q0    load fanin  -c 10 -n "$C" -q 0 -t 120
  all "$r" fanin-q1    load fanin  -c 10 -n "$C" -q 1 -w 100 -t 120
  all "$r" fanin-q2    load fanin  -c 10 -n "$C" -q 2 -w 100 -t 120
  all "$r" fanout-q0   load fanout -c 100 -n "$C" -q 0 -t 120
  all "$r" latency-q0  load latency -r 10000 -d "$DURATION" -q 0 -t 120
  all "$r" latency-q1  load latency -r 10000 -d "$DURATION" -q 1 -w 1000 -t 120
  # the same fan-in QoS 1 through tern-bench, to check that both generators agree
  all "$r" tb-fanin-q1 tb   fanin  -c 10 -n 1 -q 1 -s 64 --count "$C" --inflight 100 -d 60 --drain 10
done

if [ "$JFR" = 1 ]; then
  for s in fanin-q1 fanin-q2; do
    [ -f "$OUT/tern-$s.jfr" ] || continue
    jfr print --events jdk.ExecutionSample "$OUT/tern-$s.jfr" \
      | awk '/stackTrace = \[/ {getline; sub(/^[ \t]+/, ""); sub(/line:.*/, ""); print}' \
      | sort | uniq -c | sort -rn | head -25 > "$OUT/tern-$s.top.txt" || true
  done
fi

table "$RESULTS" | tee "$OUT/table.txt"
for s in fanin-q1 fanin-q2; do
  [ -f "$OUT/tern-$s.top.txt" ] && { echo; echo "Tern $s, top JFR leaf frames:"; head -15 "$OUT/tern-$s.top.txt"; }
done
echo "finished in $(( $(date +%s) - START_TIME )) s"
