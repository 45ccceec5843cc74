#!/bin/sh
# tests/bench/run.sh: plugctl's benchmarks beside their baselines and Remix
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage (from anywhere):
#   tests/bench/run.sh [--build-dir DIR] [--duration S] [--runs N]
#                      [--no-remix] [--placement unpinned|pinned] [--keep DIR]
#
# Builds DIR (default _build: `meson setup` when missing, then
# `meson compile -C DIR`), then, unpinned and pinned to one CPU (--pin),
# runs bench-calls (the child C call also with PLUGCTL_SPIN_US=0, and the
# WebSocket/socket.io connectors against tests/network's Node peers),
# bench-cli, bench-dbus (skipped without dbus-daemon) and the Remix
# benchmark (remix/run.sh: npm installs the Remix packages into a scratch
# directory), and prints one table per placement:
#   figure | unit | plugctl | baseline | ratio | Remix | ÷ Remix | target
# Ratios are plugctl ÷ the other column; for calls/s higher is better.
# Defaults: 1 s per figure, median of 3 runs (about 12 minutes in all).
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=_build
duration=1
runs=3
remix=1
placements="unpinned pinned"
keep=

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift ;;
    --duration) duration=$2; shift ;;
    --runs) runs=$2; shift ;;
    --no-remix) remix= ;;
    --placement) placements=$2; shift ;;
    --keep) keep=$2; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

cd "$src"
[ -d "$build" ] || meson setup "$build" >&2
if ! meson compile -C "$build" >&2; then
  # Another part of the tree may be half-written: build what we need.
  echo "run.sh: the full build failed; building only the benchmarks' targets" >&2
  meson compile -C "$build" bench-calls bench-cli bench-dbus plugctl plugctl-echo child-process \
    dbus websocket socketio >&2 ||
    echo "run.sh: some of them did not build either; running what was built before" >&2
fi
build=$(cd "$build" && pwd)

connector_path=
for dir in "$build"/connectors/*/; do
  connector_path="$connector_path${connector_path:+:}${dir%/}"
done
export PLUGCTL_CONNECTOR_PATH="$connector_path"
export PLUGCTL_PLUGINS_BUILDDIR="$build/plugins"
export PLUGCTL_PLUGIN_PATH="$build/plugins"

out=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
mkdir "$out/remix"
export PLUGCTL_BENCH_REMIX_DIR="$out/remix"

# The node_modules of the WebSocket and socket.io peers (peers/*.js; both
# engines call the same ones): tests/network's (npm ci --prefix
# tests/network); without them, the same installed into the scratch dir.
export PLUGCTL_BENCH_PEERS_DIR="$src/tests/network"
if [ ! -d "$PLUGCTL_BENCH_PEERS_DIR/node_modules/@remixproject/plugin-ws" ] &&
   command -v npm >/dev/null; then
  mkdir "$out/peers"
  cp "$src"/tests/network/package*.json "$out/peers/"
  if npm ci --prefix "$out/peers" --no-audit --no-fund --loglevel=error >&2; then
    export PLUGCTL_BENCH_PEERS_DIR="$out/peers"
  else
    echo "run.sh: could not install the network peers; WebSocket rows stay empty" >&2
  fi
fi

length="--duration $duration --runs $runs"
machine="$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r)"

for placement in $placements; do
  pin=
  where=$placement
  if [ "$placement" = pinned ]; then
    pin=--pin
    where="pinned to one CPU"
  fi
  # shellcheck disable=SC2086
  "$build/tests/bench/bench-calls" $pin $length --json > "$out/calls-$placement.json"
  # shellcheck disable=SC2086
  "$build/tests/bench/bench-cli" --plugctl "$build/cli/plugctl" $pin $length --json \
    > "$out/cli-$placement.json"
  dbus_json=
  # shellcheck disable=SC2086
  if "$build/tests/bench/bench-dbus" $pin $length --json > "$out/dbus-$placement.json"; then
    dbus_json="$out/dbus-$placement.json"
  else
    echo "run.sh: bench-dbus did not run; its rows are left out" >&2
  fi
  remix_json=
  if [ -n "$remix" ]; then
    # shellcheck disable=SC2086
    if "$src/tests/bench/remix/run.sh" $pin $length --json > "$out/remix-$placement.json"; then
      remix_json="--remix $out/remix-$placement.json"
    else
      echo "run.sh: the Remix benchmark did not run; its columns stay empty" >&2
    fi
  fi
  title="$(date -u '+%Y-%m-%d %H:%M UTC'), $machine, $where, median of $runs runs of ${duration} s"
  # shellcheck disable=SC2086
  python3 "$src/tests/bench/table.py" --title "$title" $remix_json \
    "$out/calls-$placement.json" "$out/cli-$placement.json" $dbus_json
done

if [ -n "$keep" ]; then
  mkdir -p "$keep"
  cp "$out"/*.json "$keep"/
fi
