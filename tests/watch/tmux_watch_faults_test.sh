#!/usr/bin/env bash
# `runner watch` keeps going when the learner's program never ends or prints
# megabytes: in a real terminal (tmux), saving an endless loop must show the
# timeout verdict, saving a flood must show the output-limit verdict, and a
# save of the solution after both must still show the pass. `q` then ends
# the runner with status 0.
#
# A second runner, with the default 10 s timeout, checks that a running check
# gives way. A save of the solution 1 s into an endless loop must show the
# pass within 3 s. `q` 1 s into an endless loop must end the runner within
# 1 s, with status 0 and the terminal mode restored.
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

# The second runner, on lesson 2 again, after it was reset to the stub. The
# pane prints the terminal's echo flag after the runner exits, so a mode left
# without echo shows as "-echo". Both programs saved below were compiled by
# the first runner, so each check spends its time running, not compiling.
rm -f "$work/status"
tm kill-server >/dev/null 2>&1 || true
rm -rf "$work/ws"
printf '%s\n' \
  "XDG_CACHE_HOME='$work/cache' '$runner' --workspace '$work/ws' watch 2" \
  "echo \$? > '$work/status'" \
  "stty -a | grep -o -- '-\\?echo ' | head -1 > '$work/echo'" >"$work/pane.sh"
tm new-session -d -s watch -x 120 -y 40 "bash --norc --noprofile '$work/pane.sh'"
wait_for "Not implemented yet" 60000 >/dev/null

# wait_gone TEXT: waits up to 5 s for the pane to stop showing TEXT, as it
# does when a save clears the screen for the next check.
wait_gone() {
  local start
  start=$(now_ms)
  while tm capture-pane -p -t watch | grep -qF -- "$1"; do
    (($(now_ms) - start < 5000)) || fail "'$1' was still shown after 5 s"
    sleep 0.02
  done
}

endless='  for (volatile long spin = 0;; spin = spin + 1) {}'
mutated "$endless" | save
wait_gone "Not implemented yet"
sleep 1
save <"$solution"
took=$(wait_for "Lesson 2 passed. Press n to go on to lesson 3." 3000)
echo "the pass appeared ${took} ms after the save that replaced the endless loop"
if tm capture-pane -p -t watch | grep -qF "took longer than"; then
  fail "the cancelled check of the endless loop printed a timeout verdict"
fi

mutated "$endless" | save
wait_gone "Lesson 2 passed."
sleep 1
tm send-keys -t watch q
start=$(now_ms)
until [ -f "$work/status" ]; do
  (($(now_ms) - start < 1000)) || fail "runner watch did not exit within 1 s of 'q' during a check"
  sleep 0.02
done
echo "runner watch exited $(($(now_ms) - start)) ms after 'q' during a check"
[ "$(cat "$work/status")" = 0 ] || fail "runner watch exited with status $(cat "$work/status")"
start=$(now_ms)
until [ -s "$work/echo" ]; do
  (($(now_ms) - start < 2000)) || fail "the pane did not report the terminal mode"
  sleep 0.02
done
[ "$(cat "$work/echo")" = "echo " ] || fail "terminal mode not restored: stty shows '$(cat "$work/echo")'"
echo "PASS"
