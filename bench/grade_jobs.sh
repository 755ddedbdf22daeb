#!/usr/bin/env bash
# How much `socklab check --each` gains from grading in parallel: the same ten programs for
# step 03 (the five of tests/python/curriculum/class03, twice), graded with --jobs 1 and with
# --jobs 2, ROUNDS times each, alternately; the best time of each and their ratio. Each program
# runs in a sandbox of its own, so two at once never share a port.
#
# Usage: bench/grade_jobs.sh          (ROUNDS=3 by default)
# Needs: cargo, python3. Writes the section "Grading a class in parallel" of BENCHMARKS.md
# (bench/report.py keeps it when it writes the rest).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
for tool in cargo python3; do
  command -v "$tool" >/dev/null || { echo "grade_jobs.sh: $tool is needed" >&2; exit 1; }
done
echo "building socklab (release)..." >&2
cargo build --release --quiet
socklab=$PWD/target/release/socklab

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in tests/python/curriculum/class03/*.py; do
  name=$(basename "$f" .py)
  cp "$f" "$work/$name.py"
  cp "$f" "$work/${name}_2.py"
done
count=$(ls "$work"/*.py | wc -l)

# One grading of the class; prints its wall-clock time in seconds. The class fails as a whole
# (some students do): exit status 1 is expected, the CSV is checked for ten rows.
grade() {
  local jobs=$1 start end rows
  start=$(date +%s.%N)
  rows=$("$socklab" check 03 --each "$work/*.py" --jobs "$jobs" --csv -- python3 '{file}' '{port}' \
    | tail -n +2 | wc -l) || true
  end=$(date +%s.%N)
  [ "$rows" -eq "$count" ] || { echo "grade_jobs.sh: $rows rows for $count programs" >&2; exit 1; }
  python3 -c "print(round($end - $start, 3))"
}

best1=; best2=; all1=(); all2=()
for round in $(seq "$ROUNDS"); do
  t1=$(grade 1); t2=$(grade 2)
  all1+=("$(printf '%.2f' "$t1")"); all2+=("$(printf '%.2f' "$t2")")
  echo "round $round: --jobs 1 ${t1}s, --jobs 2 ${t2}s" >&2
  best1=$(python3 -c "print(min(x for x in [$t1, ${best1:-$t1}]))")
  best2=$(python3 -c "print(min(x for x in [$t2, ${best2:-$t2}]))")
done
ratio=$(python3 -c "print($best1 / $best2)")

section=$(cat <<MD
## Grading a class in parallel

Written by \`bench/grade_jobs.sh\` on $(date +%Y-%m-%d) ($(nproc) CPUs, load average before:
$(cut -d' ' -f1-3 /proc/loadavg)). The same $count programs for step 03 (the five of
\`tests/python/curriculum/class03\`, twice), each in its own sandbox, graded $ROUNDS times with each
setting, alternately:

\`\`\`
socklab check 03 --each 'class/*.py' --jobs 1 --csv -- python3 {file} {port}
socklab check 03 --each 'class/*.py' --jobs 2 --csv -- python3 {file} {port}
\`\`\`

| | best of $ROUNDS | every round (s) |
|---|---|---|
| \`--jobs 1\` | $(printf '%.2f' "$best1") s | ${all1[*]} |
| \`--jobs 2\` | $(printf '%.2f' "$best2") s | ${all2[*]} |
| ratio | **$(printf '%.2f' "$ratio")×** faster with two jobs | |

Most of a program's grading is waiting (for it to listen, for an echo, for a restart), not
computing: with two jobs, the grader waits for two programs at once.
MD
)
python3 - "$section" <<'PY'
import sys
path = "BENCHMARKS.md"
text = open(path).read()
head = "\n## Grading a class in parallel"
if head in text:
    text = text[: text.index(head)]
open(path, "w").write(text.rstrip("\n") + "\n\n" + sys.argv[1] + "\n")
PY
echo "grade_jobs.sh: ratio $(printf '%.2f' "$ratio") (jobs 1: ${best1}s, jobs 2: ${best2}s); BENCHMARKS.md written" >&2
