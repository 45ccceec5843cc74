#!/bin/sh
# tests/bench/remix/run.sh: the bench-calls figures, measured on the Remix engine
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/bench/remix/run.sh [--pin] [--duration S] [--iterations N] [--runs N] [--json]
#
# Installs the Remix packages from npm into a scratch directory (mktemp -d,
# removed afterwards; never the source tree), then runs bench-remix.js
# there. Set PLUGCTL_BENCH_REMIX_DIR to an existing directory to install
# into it and keep it (tests/bench/run.sh does, to install once).
# --pin runs Node and its child plugin on one CPU (taskset).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
packages="@remixproject/engine@0.3.44 @remixproject/engine-node@0.3.38 \
@remixproject/engine-web@0.3.44 @remixproject/plugin@0.3.44 \
@remixproject/plugin-utils@0.3.44 socket.io-client@4.8.1 ws@7.5.10"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "remix/run.sh: node and npm are needed" >&2
  exit 77
fi

scratch=${PLUGCTL_BENCH_REMIX_DIR:-}
if [ -z "$scratch" ]; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/plugctl-remix-XXXXXX")
  trap 'rm -rf "$scratch"' EXIT INT TERM
fi

if [ ! -d "$scratch/node_modules/@remixproject/engine-web" ] ||
   [ ! -d "$scratch/node_modules/socket.io-client" ]; then
  echo "remix/run.sh: installing $packages into $scratch" >&2
  # shellcheck disable=SC2086
  npm install --prefix "$scratch" --no-audit --no-fund --no-package-lock \
    --loglevel=error $packages >&2
fi

placement=unpinned
pin=
for arg in "$@"; do
  shift
  case $arg in
    --pin) pin=1; placement=pinned ;;
    *) set -- "$@" "$arg" ;;
  esac
done

export NODE_PATH="$scratch/node_modules"
if [ -n "$pin" ]; then
  # The first CPU this shell may use, as bench-calls --pin chooses it.
  cpu=$(taskset -pc $$ | sed 's/.*: *//; s/[-,].*//')
  echo "remix/run.sh: pinned to CPU $cpu" >&2
  taskset -c "$cpu" node --expose-gc "$here/bench-remix.js" --placement "$placement" "$@"
else
  node --expose-gc "$here/bench-remix.js" --placement "$placement" "$@"
fi
