# Shell functions for the scripts that run tiers of tests, each with its
# time (tests/run-check.sh, tests/check-platforms.sh).  Sourced by bash.
#
#   tier NAME COMMAND [ARG...]   runs COMMAND, prints its result and time,
#                                and records NAME in $failed if it failed
#   tiers_result PREFIX          prints the summary; fails if any tier did

failed=

tier () {
    local name=$1 start rc=0
    shift
    start=$(date +%s)
    echo "${tier_prefix:?}: === tier $name ==="
    "$@" || rc=$?
    echo "${tier_prefix:?}: tier $name: $([ $rc = 0 ] && echo passed || echo "FAILED ($rc)")" \
         "in $(( $(date +%s) - start )) s"
    [ $rc = 0 ] || failed="$failed $name"
}

tiers_result () {
    if [ -n "$failed" ]; then
        echo "${tier_prefix:?}: FAILED:$failed"
        return 1
    fi
    echo "${tier_prefix:?}: all tiers passed"
}
