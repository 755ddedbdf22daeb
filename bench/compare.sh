#!/usr/bin/env bash
# One run, the same load against every server, and BENCHMARKS.md written from the figures:
#   - socklab serve echo in iterative, select and threads modes, trace off (socklab bench
#     --compare-modes), and threads with the JSON trace to a file;
#   - the reference: bench/echo_ref.rs, a thread-per-connection echo with nothing but std,
#     built here with rustc (also with a 64 KiB buffer, for information);
#   - the labs' Python thread server (bench/lab_echo_server_threads.py);
#   - socat, a process per connection;
#   - socklab serve echo --recv-size 65536, beside the 64 KiB reference;
#   - the trace's formats to a file (pretty, strace, JSON) and JSON to /dev/null, 32 clients;
#   - the buffer lesson: socklab bench --compare-buffers (1,500, 16,384, 65,536 bytes a recv);
#   - the accept path: 1,000 connections back to back, 5 runs alternating the reference and
#     socklab (backlog 128 both): SYNs dropped, the accepting thread's CPU per connection;
#   - in the rounds, the reference under socklab trace (JSON to a file), under
#     strace -f -o /dev/null -e trace=%net,close,poll, and the same with --seccomp-bpf.
# Then ROUNDS short rounds, reference and socklab back to back, for the targets' ratios: other
# programs on the machine come and go, and a ratio of two figures measured seconds apart in
# the same round is steadier than one of figures measured minutes apart.
#
# Usage: bench/compare.sh            (DURATION=2 seconds per workload, ROUNDS=5 by default)
# Needs: cargo, rustc, python3, socat, strace, setsid. Writes BENCHMARKS.md, bench/results.svg and the raw
# figures in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-2}
ACCEPT_RUNS=${ACCEPT_RUNS:-5}
ROUNDS=${ROUNDS:-5}
ROUND_DURATION=${ROUND_DURATION:-2}
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for tool in cargo rustc python3 socat strace setsid; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is needed" >&2; exit 1; }
done

echo "building socklab (release)..." >&2
cargo build --release --quiet
target_dir=${CARGO_TARGET_DIR:-target}
SOCKLAB=$(cd "$target_dir/release" && pwd)/socklab

work=$(mktemp -d "${TMPDIR:-/tmp}/socklab-compare.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The reference is one file built by rustc alone: no Cargo, no crate, so nothing but std can
# be in it (a Cargo example would also be rebuilt by every `cargo test`).
echo "building the reference (rustc -C opt-level=3, as the release profile)..." >&2
rustc --edition 2021 -C opt-level=3 -o "$work/echo_ref" bench/echo_ref.rs

# A free port: bind port 0, read it back, let it go.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Bounded wait until something accepts connections on the port (5 s at most).
wait_ready() {
  local port=$1 i
  for i in $(seq 1 500); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.01
  done
  echo "compare.sh: nothing accepts connections on port $port after 5 s" >&2
  return 1
}

# start LABEL COMMAND... ({port} in the command is replaced by a free port); sets $port.
start() {
  local label=$1; shift
  port=$(free_port)
  local cmd=("${@//\{port\}/$port}")
  "${cmd[@]}" >/dev/null 2>"$work/stderr-$label" &
  server_pid=$!
  wait_ready "$port"
}

stop() {
  # A tracer and its program are one process group (start_group): the whole group goes.
  if [ -n "$group" ]; then kill -- "-$server_pid" 2>/dev/null || true; fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  group=""
}
group=""

# start_group LABEL COMMAND...: as start, in a process group of its own (setsid), so that
# stop ends a tracer and the program it runs together (strace detaches on SIGTERM and would
# leave the program running).
start_group() {
  local label=$1; shift
  port=$(free_port)
  local cmd=("${@//\{port\}/$port}")
  setsid "${cmd[@]}" >/dev/null 2>"$work/stderr-$label" &
  server_pid=$!
  group=1
  wait_ready "$port"
}

# traced_ref ROUND KIND LABEL TRACER...: the reference under a tracer, round trips only.
traced_ref() {
  local round=$1 kind=$2 label=$3; shift 3
  start_group "$kind" "$@" "$work/echo_ref" "127.0.0.1:{port}"
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-$kind.json" 127.0.0.1 "$port" \
    --workloads rr --label "$label"
  stop
  rm -f "$work/ref-trace.jsonl"
}

# check_trace FILE: a JSON trace is whole, as many lines as the `seq` of its last one (the
# numbers are taken in order and written in order: a line lost would leave a gap); then the
# file, gigabytes at times, goes.
check_trace() {
  local file=$1 lines last
  lines=$(wc -l <"$file")
  last=$(tail -n 1 "$file" | grep -o '"seq":[0-9]*' | cut -d: -f2)
  if [ "$lines" -eq 0 ] || [ "$lines" != "${last:-}" ]; then
    echo "compare.sh: $file has $lines lines and its last seq is ${last:-none}: events lost" >&2
    exit 1
  fi
  rm -f "$file"
}

bench() {  # bench OUTPUT ARGS...: socklab bench --json, into OUTPUT
  local out=$1; shift
  "$SOCKLAB" --lang en bench --duration "$DURATION" --json "$@" >"$out"
}

# An external server under every TCP workload: LABEL then its command.
external() {
  local label=$1; shift
  echo "== $label" >&2
  start "$label" "$@"
  bench "$work/run-$label.json" 127.0.0.1 "$port" --pid "$server_pid" --label "$label"
  stop
}

echo "== socklab: iterative, select, threads (trace off)" >&2
bench "$work/modes.json" --compare-modes
echo "== socklab threads, JSON trace to a file" >&2
bench "$work/run-socklab-json.json" --server-trace json --server-trace-file "$work/trace.jsonl" \
  --label "socklab threads, JSON trace to a file"
check_trace "$work/trace.jsonl"
rm -f "$work"/trace.jsonl*
echo "== socklab threads, each trace format to a file, 32 clients" >&2
for format in pretty strace json; do
  bench "$work/format-$format.json" --workloads rr --clients 32 --server-trace "$format" \
    --server-trace-file "$work/trace.$format" --label "socklab threads, $format trace to a file"
  if [ "$format" = json ]; then check_trace "$work/trace.$format"; else rm -f "$work/trace.$format"; fi
done
bench "$work/format-json-null.json" --workloads rr --clients 32 --server-trace json \
  --server-trace-file /dev/null --label "socklab threads, JSON trace to /dev/null"
echo "== the buffer lesson: socklab bench --compare-buffers" >&2
bench "$work/buffers.json" --compare-buffers
echo "== socklab UDP (trace off)" >&2
bench "$work/udp-off.json" --workloads udp --label "socklab udp, trace off"

external reference "$work/echo_ref" "127.0.0.1:{port}"
external reference-64k "$work/echo_ref" "127.0.0.1:{port}" 65536
external python-lab python3 bench/lab_echo_server_threads.py "{port}"
external socklab-64k "$SOCKLAB" --trace off --lang en serve echo --port "{port}" --recv-size 65536
external socat socat "TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,backlog=128" PIPE

echo "== $ROUNDS rounds for the targets" >&2
mkdir -p "$work/rounds"
for round in $(seq 1 "$ROUNDS"); do
  echo "   round $round/$ROUNDS" >&2
  start ref "$work/echo_ref" "127.0.0.1:{port}"
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-reference.json" 127.0.0.1 "$port" \
    --pid "$server_pid" --workloads rr,bulk --label reference
  stop
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-off.json" --workloads rr,bulk \
    --label "socklab trace off"
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-json.json" --workloads rr \
    --server-trace json --server-trace-file "$work/round.jsonl" --label "socklab JSON trace"
  check_trace "$work/round.jsonl"
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-off-text.json" --workloads rr \
    --payload text --label "socklab trace off, text"
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-json-text.json" --workloads rr \
    --payload text --server-trace json --server-trace-file "$work/round.jsonl" \
    --label "socklab JSON trace, text"
  check_trace "$work/round.jsonl"
  start ref64 "$work/echo_ref" "127.0.0.1:{port}" 65536
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-reference-64k.json" 127.0.0.1 "$port" \
    --pid "$server_pid" --workloads bulk --label "reference, 64 KiB"
  stop
  start socklab64 "$SOCKLAB" --trace off --lang en serve echo --port "{port}" --recv-size 65536
  DURATION=$ROUND_DURATION bench "$work/rounds/$round-socklab-64k.json" 127.0.0.1 "$port" \
    --pid "$server_pid" --workloads bulk --label "socklab --recv-size 65536"
  stop
  traced_ref "$round" ref-socklab "reference under socklab trace, JSON to a file" \
    "$SOCKLAB" --lang en --trace json --trace-file "$work/ref-trace.jsonl" trace --
  traced_ref "$round" ref-strace "reference under strace -f" \
    strace -f -qq -o /dev/null -e trace=%net,close,poll
  traced_ref "$round" ref-strace-bpf "reference under strace -f --seccomp-bpf" \
    strace -f -qq --seccomp-bpf -o /dev/null -e trace=%net,close,poll
done

echo "== the accept path: $ACCEPT_RUNS runs, reference and socklab alternating" >&2
mkdir -p "$work/accept"
for run in $(seq 1 "$ACCEPT_RUNS"); do
  start ref-accept "$work/echo_ref" "127.0.0.1:{port}"
  bench "$work/accept/$run-reference.json" 127.0.0.1 "$port" --pid "$server_pid" \
    --workloads accept --burst 1000 --label reference
  stop
  bench "$work/accept/$run-socklab.json" --workloads accept --burst 1000 --label socklab
done

# What writing a trace file costs here: 512 MiB into a new file (new page cache), then the same
# again over it (page cache already there), as dd reports it.
dd_rate() { dd "$@" 2>&1 | awk '/copied/ {print $(NF-1), $NF}'; }
page_cache_new=$(dd_rate if=/dev/zero of="$work/dd" bs=1M count=512)
page_cache_again=$(dd_rate if=/dev/zero of="$work/dd" bs=1M count=512 conv=notrunc)
rm -f "$work/dd"

ended=$(date +%s)
cat >"$work/machine.json" <<JSON
{
  "nproc": $(nproc),
  "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')",
  "kernel": "$(uname -sr)",
  "memory": "$(free -h | awk '/^Mem:/ {print $2}')",
  "rustc": "$(rustc --version)",
  "python": "$(python3 --version 2>&1)",
  "socat": "$(socat -V 2>/dev/null | awk '/socat version/ {print $3}')",
  "strace": "$(strace -V | awk 'NR == 1 {print $4}')",
  "load_before": "$load_before",
  "load_after": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "seconds": $((ended - started)),
  "duration": $DURATION,
  "rounds": $ROUNDS,
  "round_duration": $ROUND_DURATION,
  "accept_runs": $ACCEPT_RUNS,
  "page_cache_new": "$page_cache_new",
  "page_cache_again": "$page_cache_again",
  "date": "$(date -u +%Y-%m-%d)"
}
JSON
# The raw figures stay beside the report, so it can be checked (or re-rendered with
# `python3 bench/report.py bench/results BENCHMARKS.md bench/results.svg`).
rm -rf bench/results
mkdir -p bench/results/rounds bench/results/accept
cp "$work"/*.json bench/results/
cp "$work"/rounds/*.json bench/results/rounds/
cp "$work"/accept/*.json bench/results/accept/
python3 bench/report.py bench/results BENCHMARKS.md bench/results.svg
echo "compare.sh: BENCHMARKS.md and bench/results.svg written in $((ended - started)) s" >&2
