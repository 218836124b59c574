# Shared by the tmux tests of `runner watch`: a scratch folder and a tmux
# server of its own, both removed on exit, and helpers that wait for text in
# the pane. It defines $work, tm, now_ms, fail and wait_for; the pane's
# session must be named "watch".

work=$(mktemp -d /tmp/gradlings-tmux-watch.XXXXXX)
socket="gradlings-watch-$$"
tm() { tmux -L "$socket" -f /dev/null "$@"; }
cleanup() {
  tm kill-server >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

fail() {
  echo "FAIL: $1" >&2
  echo "--- the pane shows:" >&2
  tm capture-pane -p -t watch >&2 || true
  exit 1
}

# wait_for TEXT LIMIT_MS: polls the pane every 20 ms until it shows TEXT, and
# prints how many milliseconds that took. Fails after LIMIT_MS.
wait_for() {
  local text=$1 limit_ms=$2 start
  start=$(now_ms)
  while ! tm capture-pane -p -t watch | grep -qF -- "$text"; do
    if (($(now_ms) - start > limit_ms)); then
      fail "'$text' did not appear within $limit_ms ms"
    fi
    sleep 0.02
  done
  echo $(($(now_ms) - start))
}

