#!/bin/sh
# tests/valgrind.sh: the test suite's programs under valgrind's memcheck
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage (from anywhere):
#   tests/valgrind.sh [--build-dir DIR] [MESON TEST ARGS...]
# e.g. tests/valgrind.sh --suite faults, or tests/valgrind.sh lib/engine
#
# Builds DIR (default _build-valgrind: `meson setup` when missing, then
# `meson compile`), then runs `meson test` with every test program under
# memcheck. A test fails on any memory error and on any definite leak
# (--errors-for-leak-kinds=definite); "possibly lost" and "still reachable"
# blocks are GLib's type system and caches, and are not errors. The
# suppressions in tests/valgrind.supp are for GLib's own one-time
# allocations only, each commented. Programs the tests start (plugctl,
# plugin processes) run without valgrind. Takes 10–20 minutes.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
build=_build-valgrind

if [ "${1:-}" = "--build-dir" ]; then
  build=$2
  shift 2
fi
case ${1:-} in
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
esac

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 77; }

cd "$src"
[ -d "$build" ] || meson setup "$build"
meson compile -C "$build"

# GLib's slice allocator would hide blocks from memcheck (GLib < 2.76).
export G_SLICE=always-malloc

exec meson test -C "$build" --no-rebuild --print-errorlogs \
  --timeout-multiplier 20 \
  --wrapper "valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite \
--error-exitcode=1 --num-callers=40 --suppressions=$src/tests/valgrind.supp" \
  "$@"
