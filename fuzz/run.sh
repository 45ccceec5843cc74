#!/bin/sh
# fuzz/run.sh: build the libFuzzer targets and run them for a given time.
#
#   fuzz/run.sh [-j JOBS] TARGET...|all SECONDS
#
# Targets: message dispatcher profile signature cli-args (see README.md).
# Each target runs SECONDS seconds (wall clock), JOBS targets at a time
# (default 1), under `nice -n 10`. The seeds in fuzz/corpus/TARGET are
# read, never written: new inputs go to BUILDDIR/fuzz/work/TARGET, crashes
# to BUILDDIR/fuzz/artifacts/TARGET/, logs to BUILDDIR/fuzz/logs/.
# BUILDDIR is $FUZZ_BUILDDIR or _build-fuzz, set up when missing with
#   CC=clang meson setup _build-fuzz -Dfuzzing=true \
#     -Db_sanitize=address,undefined -Db_lundef=false
# Exit status: 0 when no target crashed, 1 otherwise, 2 on a usage error.
set -eu

ALL_TARGETS="message dispatcher profile signature cli-args"

usage () {
  echo "usage: $0 [-j JOBS] TARGET...|all SECONDS" >&2
  echo "targets: $ALL_TARGETS" >&2
  exit 2
}

jobs=1
if [ "${1:-}" = "-j" ]; then
  [ $# -ge 2 ] || usage
  jobs=$2
  shift 2
fi
[ $# -ge 2 ] || usage
eval "seconds=\${$#}"
case $seconds in ''|*[!0-9]*) usage ;; esac

targets=
while [ $# -gt 1 ]; do
  if [ "$1" = all ]; then
    targets="$targets $ALL_TARGETS"
  else
    case " $ALL_TARGETS " in *" $1 "*) targets="$targets $1" ;; *) usage ;; esac
  fi
  shift
done

srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir"
builddir=${FUZZ_BUILDDIR:-_build-fuzz}

if [ ! -f "$builddir/build.ninja" ]; then
  CC=clang meson setup "$builddir" -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja_targets=
for t in $targets; do ninja_targets="$ninja_targets fuzz/fuzz-$t"; done
# shellcheck disable=SC2086
nice -n 10 ninja -C "$builddir" $ninja_targets

# UB is a crash too; GLib's slice allocator would hide heap errors.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export G_SLICE=always-malloc
export G_DEBUG=gc-friendly

dict_for () {
  case $1 in
    message|dispatcher) echo "-dict=fuzz/dict/message.dict" ;;
    profile) echo "-dict=fuzz/dict/profile.dict" ;;
    signature) echo "-dict=fuzz/dict/signature.dict" ;;
    *) echo "" ;;
  esac
}

run_one () {
  t=$1
  work="$builddir/fuzz/work/$t"
  artifacts="$builddir/fuzz/artifacts/$t"
  log="$builddir/fuzz/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  # shellcheck disable=SC2046
  if nice -n 10 "$builddir/fuzz/fuzz-$t" $(dict_for "$t") \
       -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
       -print_final_stats=1 -artifact_prefix="$artifacts/" \
       "$work" "fuzz/corpus/$t" > "$log" 2>&1; then
    status=ok
  else
    status=CRASH
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "$t: $status, ${seconds} s, ${execs:-?} executions, log $log"
  [ "$status" = ok ]
}

failed=0
running=0
pids=
for t in $targets; do
  run_one "$t" &
  pids="$pids $!"
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    for pid in $pids; do wait "$pid" || failed=1; done
    pids=
    running=0
  fi
done
for pid in $pids; do wait "$pid" || failed=1; done
exit $failed
