#!/bin/bash
# Runs each fuzz target of the fuzz tree for SECONDS seconds, starting from
# the seed corpus in CORPUS/TARGET (tests/fuzz/corpus), and prints, per
# target, the executions, executions per second and libFuzzer's coverage
# (cov: edges, ft: features) after the seeds and at the end, and the edges
# of ovs-l3dsr's lib/ files that the final corpus reaches.  Fails if any
# target reports a crash, a sanitizer error, a leak or a timeout; the input
# that caused it is kept in FUZZDIR/artifacts/.  Runs FUZZ_JOBS targets at
# a time (default: the number of cores), each on one core.  See
# docs/development.md, "Fuzzing".
#
# Usage: run-fuzz.sh FUZZDIR SECONDS CORPUS [TARGET]...

set -euo pipefail

fuzzdir=$1 seconds=$2 corpus=$3
shift 3
if [ $# -eq 0 ]; then
    set -- ofp_print_target odp_target ofctl_parse_target \
        flow_extract_target l3dsr_execute_target
fi
here=$(cd "$(dirname "$0")" && pwd)
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

# Sanitizer reports are fatal; AddressSanitizer's leak check stays on.
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
export ASAN_OPTIONS UBSAN_OPTIONS
# Stack traces with function names and lines (llvm-14, tools/setup.sh).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] \
        && [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
    ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
    export ASAN_SYMBOLIZER_PATH
fi

# Runs 'target' and writes its summary line, with FAILED if it failed, to
# logs/TARGET.log.summary.
fuzz_one () {
    local target=$1 binary dict options name work log supp status=0
    local -a dictopt=()

    case $target in
        l3dsr_*) binary=$fuzzdir/tests/fuzz/$target ;;
        *) binary=$fuzzdir/tests/oss-fuzz/$target ;;
    esac
    [ -x "$binary" ] || { echo "run-fuzz: $binary missing" >&2; return 1; }

    # Open vSwitch's dictionary for the target, if it has one, and ours for
    # the text targets.
    dict=$fuzzdir/dicts/$target.dict
    : > "$dict"
    options=$fuzzdir/tests/oss-fuzz/config/$target.options
    if [ -f "$options" ]; then
        name=$(sed -n 's/^dict *= *//p' "$options")
        # (The last line of some lacks its newline.)
        [ -z "$name" ] \
            || { cat "$fuzzdir/tests/oss-fuzz/config/$name"; echo; } >> "$dict"
    fi
    case $target in
        odp_target|ofctl_parse_target) cat "$here/l3dsr.dict" >> "$dict" ;;
    esac
    [ ! -s "$dict" ] || dictopt=(-dict="$dict")

    # UBSan suppressions of this target, if any (see the file).
    supp=$here/$target.ubsan-supp
    [ ! -f "$supp" ] || UBSAN_OPTIONS=$UBSAN_OPTIONS:suppressions=$supp

    # A fresh working corpus each time, so that the figures do not depend
    # on earlier runs; the seeds are only read.
    work=$fuzzdir/corpus/$target
    rm -rf "$work"
    mkdir -p "$work"
    rm -f "$fuzzdir/artifacts/$target"-*
    log=$fuzzdir/logs/$target.log
    echo "run-fuzz: $target for $seconds s"
    # close_fd_mask=1: the targets print what they parse to stdout.
    "$binary" -max_total_time="$seconds" -timeout=25 -max_len=4096 \
        -close_fd_mask=1 -print_final_stats=1 "${dictopt[@]}" \
        -artifact_prefix="$fuzzdir/artifacts/$target-" \
        "$work" "$corpus/$target" > "$log" 2>&1 || status=$?

    # (A target that fails on a seed prints no coverage line.)
    local cov='s/.*\(cov: [0-9]* ft: [0-9]*\).*/\1/p'
    local inited final execs rate line artifacts ours=
    inited=$(grep -m1 'INITED' "$log" | sed -n "$cov" || true)
    final=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n "$cov" || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)

    # The edges of ovs-l3dsr's own lib/ files that the final corpus
    # reaches, out of all their instrumented edges (which include the
    # sanitizers' never-taken error branches, so 100% is out of reach).
    if [ "$status" -eq 0 ]; then
        ours=$("$binary" -runs=0 -print_coverage=1 -close_fd_mask=1 \
                   "$work" "$corpus/$target" 2>&1 \
               | awk '/^(UN)?COVERED_FUNC:/ && $NF ~ ours {
                          split($5, e, "/"); n += e[1]; total += e[2]
                      }
                      END { if (total) printf "%d/%d", n, total }' \
                     ours='/lib/(odp-)?(daddr-on-dscp|hmark|l3dsr)(-xlate)?\\.c:' \
               || true)
    fi
    line=$(printf '%-22s %10s %8s  %-20s %-20s %s' "$target" "${execs:-?}" \
           "${rate:-?}" "${inited:-?}" "${final:-?}" "${ours:-0}")
    artifacts=$(ls "$fuzzdir/artifacts/$target"-* 2>/dev/null || true)
    if [ "$status" -ne 0 ] || [ -n "$artifacts" ] \
            || grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' \
                "$log"; then
        echo "$line  FAILED (exit $status)" > "$log.summary"
        {
            grep -E -A40 'ERROR: |runtime error:|deadly signal|timeout' \
                "$log" | head -60 || true
            echo "run-fuzz: $target failed; log $log; input: $artifacts"
        } >&2
        return 1
    fi
    echo "$line" > "$log.summary"
}

mkdir -p "$fuzzdir/artifacts" "$fuzzdir/logs" "$fuzzdir/dicts"
for target in "$@"; do
    rm -f "$fuzzdir/logs/$target.log.summary"
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    fuzz_one "$target" &
done
wait || true

# The summary lines say which targets failed: a target with no line failed
# before it could write one.
failed=
printf '\n%-22s %10s %8s  %-20s %-20s %s\n' target executions exec/s \
    'after seeds' 'at the end' 'l3dsr edges'
for target in "$@"; do
    summary=$fuzzdir/logs/$target.log.summary
    if [ -f "$summary" ]; then
        cat "$summary"
        ! grep -q FAILED "$summary" || failed="$failed $target"
    else
        echo "$target: no result"
        failed="$failed $target"
    fi
done
if [ -n "$failed" ]; then
    echo "run-fuzz: FAILED:$failed" >&2
    exit 1
fi
