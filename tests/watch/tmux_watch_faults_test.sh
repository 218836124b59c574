#!/usr/bin/env bash
# `runner watch` keeps going when the learner's program never ends or prints
# megabytes: in a real terminal (tmux), saving an endless loop must show the
# timeout verdict, saving a flood must show the output-limit verdict, and a
# save of the solution after both must still show the pass. `q` then ends
# the runner with status 0.
#
# Usage: tmux_watch_faults_test.sh RUNNER SOURCE_DIR
set -euo pipefail

runner=$1
source_dir=$2
if ! command -v tmux >/dev/null 2>&1; then
  echo "tmux_watch_faults_test: error: tmux not found (./scripts/setup installs it)" >&2
  exit 1
fi
source "$(dirname "$0")/tmux_support.sh"

solution="$source_dir/solutions/02-two-layer-network/exercise.cpp"
forward_line='  values.z1 = params.w1 * x + params.b1;'
grep -qF -- "$forward_line" "$solution" || fail "the solution no longer contains: $forward_line"

# Prints the solution with CODE put in front of the first line of forward().
# CODE goes through the environment, because awk -v would expand its \n.
mutated() {
  LINE="$forward_line" CODE="$1" awk \
    'index($0, ENVIRON["LINE"]) == 1 && !done { print ENVIRON["CODE"]; done = 1 } { print }' \
    "$solution"
}

# Replaces the exercise in one rename, as many editors save.
save() {
  cat >"$exercise.new"
  mv "$exercise.new" "$exercise"
}

printf '%s\n' \
  "XDG_CACHE_HOME='$work/cache' '$runner' --workspace '$work/ws' watch 2 --timeout 1" \
  "echo \$? > '$work/status'" >"$work/pane.sh"
tm new-session -d -s watch -x 120 -y 40 "bash --norc --noprofile '$work/pane.sh'"
wait_for "Not implemented yet" 60000 >/dev/null
exercise="$work/ws/02-two-layer-network/exercise.cpp"

mutated '  for (volatile long spin = 0;; spin = spin + 1) {}' | save
wait_for "Your program took longer than 1 s: does a loop miss its exit?" 30000 >/dev/null

{
  echo '#include <cstdio>'
  mutated '  for (int i = 0; i < 200000; ++i) std::printf("debugging output line %d\n", i);'
} | save
wait_for "Your program printed more than 1024 KiB and was stopped." 30000 >/dev/null

save <"$solution"
wait_for "Lesson 2 passed. Press n to go on to lesson 3." 30000 >/dev/null

tm send-keys -t watch q
start=$(now_ms)
until [ -f "$work/status" ]; do
  (($(now_ms) - start < 5000)) || fail "runner watch did not exit within 5 s of 'q'"
  sleep 0.02
done
[ "$(cat "$work/status")" = 0 ] || fail "runner watch exited with status $(cat "$work/status")"
echo "PASS"
