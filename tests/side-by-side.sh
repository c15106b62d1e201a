# shellcheck shell=bash
# Shell functions for the scripts that run testsuites side by side, each
# with its output in a file (tests/run-kernel-tests.sh: VMs;
# tests/run-system-shards.sh: shards).  Sourced by bash.
#
#   stream_output PID FILE LABEL   copies FILE to standard output, each
#                                  line prefixed with [LABEL], in the
#                                  background until process PID ends
#   testsuite_counts FILE...       prints "PASSED FAILED SKIPPED", the
#                                  tests of autotest's output in FILEs by
#                                  the last result of each (a recheck may
#                                  follow a failure)

stream_output () {
    tail -n +1 --pid="$1" -f "$2" | sed -u "s/^/[$3] /" &
}

testsuite_counts () {
    [ $# -gt 0 ] || set -- /dev/null
    awk '
        /^ *[0-9]+: / {
            num = $1
            if ($0 ~ / ok$/) r[num] = "pass"
            else if ($0 ~ / skipped \(/) r[num] = "skip"
            else if ($0 ~ / FAILED \(/) r[num] = "fail"
        }
        END {
            for (n in r) c[r[n]]++
            printf "%d %d %d\n", c["pass"], c["fail"], c["skip"]
        }' "$@"
}
