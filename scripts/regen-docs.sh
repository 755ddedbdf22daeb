#!/usr/bin/env bash
# Regenerates the pictures in docs/ and the README's capture from today's build, and the
# excerpts of the teachers' guides.
#
# For each demo: its JSON trace (docs/NAME.jsonl), and the diagrams drawn from that trace
# (docs/NAME.svg, docs/NAME.mmd), so `socklab diagram docs/NAME.jsonl -o docs/NAME.svg` redraws
# the picture byte for byte (tests/diagrams.rs checks it). Then the README's text capture of
# `socklab demo echo-threads --clients 2 --explain never`, between its two marker comments.
#
# Usage: scripts/regen-docs.sh [--debug]     (the release build by default)
set -euo pipefail

cd "$(dirname "$0")/.."

profile=release
if [[ "${1:-}" == "--debug" ]]; then
    profile=debug
fi
if [[ "$profile" == release ]]; then
    cargo build --release --quiet
else
    cargo build --quiet
fi
bin="${CARGO_TARGET_DIR:-target}/$profile/socklab"

# The demos drawn, and their arguments. tests/diagrams.rs runs each the same way to compare
# a fresh run's lifelines with the checked-in picture's: keep the two lists alike.
demos=(
    "daytime"
    "http-get"
    "echo-iterative"
    "echo-threads --clients 2"
    "echo-select"
    "echo-udp"
    "relay"
    "chat"
)

for line in "${demos[@]}"; do
    read -r -a words <<<"$line"
    name="${words[0]}"
    "$bin" --lang en --trace json --trace-file "docs/$name.jsonl" demo "${words[@]}" \
        </dev/null >/dev/null
    "$bin" --lang en diagram "docs/$name.jsonl" -o "docs/$name.svg"
    "$bin" --lang en diagram "docs/$name.jsonl" -o "docs/$name.mmd"
    echo "docs/$name.{jsonl,svg,mmd}"
done

# The capture: the pretty trace (stderr) laid out for 150 columns, then the closing words
# (stdout), as a terminal shows them.
capture="$(mktemp)"
trap 'rm -f "$capture" "$capture.readme"' EXIT
COLUMNS=150 "$bin" --lang en --color never --explain never demo echo-threads --clients 2 \
    </dev/null >"$capture" 2>&1

begin='<!-- regen-docs: capture of `socklab demo echo-threads --clients 2 --explain never` -->'
end='<!-- regen-docs: end of capture -->'
grep -qxF -- "$begin" README.md || { echo "README.md: no line $begin" >&2; exit 1; }
grep -qxF -- "$end" README.md || { echo "README.md: no line $end" >&2; exit 1; }
awk -v begin="$begin" -v end="$end" -v capture="$capture" '
    $0 == begin {
        print
        print "```"
        while ((getline line < capture) > 0) print line
        print "```"
        skipping = 1
        next
    }
    $0 == end { skipping = 0 }
    !skipping { print }
' README.md >"$capture.readme"
mv "$capture.readme" README.md
echo "README.md: capture of demo echo-threads --clients 2"

# The teachers' guides (docs/guide-enseignant.md, docs/teacher-guide.md): each excerpt between
# `<!-- socklab: COMMAND -->` and `<!-- /socklab -->` is run again and rewritten when its
# normalised form changed (ports, dates, descriptors, the interleaving of threads are left
# out, so an unchanged command leaves its excerpt alone). The runner and the normaliser are
# tests/guide.rs's, the same that check the guides in `cargo test`.
if [[ "$profile" == release ]]; then
    SOCKLAB_REGEN_GUIDES=1 cargo test --release --quiet --test guide -- --exact regenerate --nocapture
else
    SOCKLAB_REGEN_GUIDES=1 cargo test --quiet --test guide -- --exact regenerate --nocapture
fi
echo "docs/guide-enseignant.md, docs/teacher-guide.md: excerpts checked"
