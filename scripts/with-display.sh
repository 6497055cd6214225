#!/usr/bin/env bash
# Run a command with a private X display (Xvfb, 3840×2160 unless CITYOPS_SCREEN says otherwise, e.g.
# 1920x1080x24; the wall's end-to-end run fills it) inside its own PID namespace, so that
# whatever the browsers, drivers and the app do to their process groups stays inside it.
# Usage: bash scripts/with-display.sh COMMAND [ARGS...]
set -euo pipefail
if [ "${CITYOPS_IN_NS:-}" != 1 ]; then
  exec env CITYOPS_IN_NS=1 unshare --pid --fork --kill-child --mount-proc bash "$0" "$@"
fi
# Xvfb picks a free display itself and writes its number to the fd we give it.
fifo=$(mktemp -u); mkfifo "$fifo"
Xvfb -displayfd 3 -screen 0 "${CITYOPS_SCREEN:-3840x2160x24}" -nolisten tcp 3>"$fifo" >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -f "$fifo"' EXIT
read -r -t 30 n < "$fifo"
unset XAUTHORITY
export DISPLAY=":$n"
"$@"
