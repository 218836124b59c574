#!/usr/bin/env bash
# End-to-end test of `runner watch` in a real terminal, a detached tmux
# session on a socket of its own. In a fresh workspace where lesson 1 has
# passed, watch must start on the lesson 2 stub and show "not implemented".
# Copying the shipped solution over the exercise must show the pass within
# 1 s of the save. Then `n` must show lesson 3, and `q` must end the runner
# with status 0 and the terminal mode as it was before.
#
# Usage: tmux_watch_test.sh RUNNER SOURCE_DIR
set -euo pipefail

runner=$1
source_dir=$2
if ! command -v tmux >/dev/null 2>&1; then
  echo "tmux_watch_test: error: tmux not found (./scripts/setup installs it)" >&2
  exit 1
fi

source "$(dirname "$0")/tmux_support.sh"

# Lesson 1 has passed, so watch starts at lesson 2. The compile cache is new
# and empty, so the solution's compile below is a real one.
mkdir -p "$work/ws"
cat >"$work/ws/gradlings.json" <<'EOF'
{"gradlings_workspace": 1, "lessons": {"01-chain-rule": {"status": "passed", "hints_shown": 0}}}
EOF
cat >"$work/pane.sh" <<EOF
stty -g > '$work/stty.before'
XDG_CACHE_HOME='$work/cache' '$runner' --workspace '$work/ws' watch
echo \$? > '$work/status'
stty -g > '$work/stty.after'
EOF

tm new-session -d -s watch -x 120 -y 40 "bash --norc --noprofile '$work/pane.sh'"
tty=$(tm display-message -p -t watch '#{pane_tty}')

# The first check of the stub also compiles the lesson's harness object file,
# which can take a few seconds on a busy machine. That warms the compile
# cache, so the save below waits only for the exercise's own compile.
wait_for "Not implemented yet" 60000 >/dev/null
exercise="$work/ws/02-two-layer-network/exercise.cpp"
[ -f "$exercise" ] || fail "watch did not create $exercise from the stub"
mode=$(stty -F "$tty" -a)
grep -qw -- "-icanon" <<<"$mode" || fail "the terminal is still in canonical mode: $mode"
grep -qw -- "-echo" <<<"$mode" || fail "the terminal still echoes: $mode"

saved=$(now_ms)
cp "$source_dir/solutions/02-two-layer-network/exercise.cpp" "$exercise"
wait_for "Lesson 2 passed. Press n to go on to lesson 3." 5000 >/dev/null
latency=$(($(now_ms) - saved))
echo "pass shown $latency ms after the save"
((latency <= 1000)) || fail "the pass appeared $latency ms after the save (limit 1000 ms)"
grep -A2 '"02-two-layer-network"' "$work/ws/gradlings.json" | grep -qF '"status": "passed"' ||
  fail "the pass of lesson 2 is not recorded in gradlings.json"

# The first check of lesson 3 compiles its harness too.
tm send-keys -t watch n
wait_for "Lesson 3: Learning XOR" 60000 >/dev/null
wait_for "03-xor/exercise.cpp: each save checks it again." 5000 >/dev/null

tm send-keys -t watch q
start=$(now_ms)
until [ -f "$work/stty.after" ]; do
  (($(now_ms) - start < 5000)) || fail "runner watch did not exit within 5 s of 'q'"
  sleep 0.02
done
[ "$(cat "$work/status")" = 0 ] || fail "runner watch exited with status $(cat "$work/status")"
[ "$(cat "$work/stty.before")" = "$(cat "$work/stty.after")" ] ||
  fail "the terminal mode was not restored: $(cat "$work/stty.before") became $(cat "$work/stty.after")"
echo "PASS"
