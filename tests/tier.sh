# shellcheck shell=bash
# Shell functions for the scripts that run tiers of tests, each with its
# time (tests/run-check.sh, tests/check-platforms.sh).  Sourced by bash.
#
#   tier NAME COMMAND [ARG...]   runs COMMAND, prints its result and time,
#                                and records NAME in $failed if it failed
#   tier_start NAME COMMAND...   the same in the background, the output
#                                prefixed with [NAME]
#   tiers_wait                   waits for the tiers that tier_start
#                                started, then prints their results
#   tiers_result                 prints the summary, with the lines of each
#                                failed tier that say what failed; fails
#                                if any tier did
#
# A tier's output is also kept in $tier_log_dir/NAME.log (a temporary
# directory unless the caller sets it): CI shows only the end of a run's
# output, so the summary repeats what failed, hours of output later.

# shellcheck source=tests/side-by-side.sh
. "$(dirname "${BASH_SOURCE[0]}")/side-by-side.sh"

failed='' started='' streams=''
tier_log_dir=${tier_log_dir:-$(mktemp -d -t l3dsr-tiers.XXXXXX)}

# Prints the result of tier $1, whose status was $2, after $3 seconds, and
# records it in $failed if it failed.
tier_report () {
    echo "${tier_prefix:?}: tier $1: $([ "$2" = 0 ] && echo passed || echo "FAILED ($2)")" \
         "in $3 s"
    [ "$2" = 0 ] || failed="$failed $1"
}

tier () {
    local name=$1 start
    shift
    start=$(date +%s)
    echo "${tier_prefix:?}: === tier $name ==="
    "$@" 2>&1 | tee "$tier_log_dir/$name.log"
    tier_report "$name" "${PIPESTATUS[0]}" "$(( $(date +%s) - start ))"
}

tier_start () {
    local name=$1 log=$tier_log_dir/$1.log
    shift
    echo "${tier_prefix:?}: === tier $name (side by side) ==="
    : > "$log"    # before stream_output opens it
    (
        start=$(date +%s) rc=0
        "$@" > "$log" 2>&1 || rc=$?
        echo "$rc $(( $(date +%s) - start ))" > "$log.rc"
    ) &
    started="$started $name:$!"
    stream_output $! "$log" "$name"
    streams="$streams $!"
}

tiers_wait () {
    local entry name rc seconds
    for entry in $started; do
        name=${entry%:*} rc=125 seconds='?'
        wait "${entry##*:}" || :
        read -r rc seconds < "$tier_log_dir/$name.log.rc" || :
        tier_report "$name" "$rc" "$seconds"
    done
    # shellcheck disable=SC2086
    wait $streams
    started='' streams=''
}

tiers_result () {
    local name
    if [ -n "$failed" ]; then
        for name in $failed; do
            [ -f "$tier_log_dir/$name.log" ] || continue
            echo "${tier_prefix:?}: what tier $name reported as failing (full output: $tier_log_dir/$name.log):"
            grep -E 'FAILED|[1-9][0-9]* failed|[Ff]ailed:|timeout after|timed out|exit status [1-9]|error:|BUG:|WARNING:|Oops|Unreasonably long' \
                "$tier_log_dir/$name.log" | tail -n 30 | sed 's/^/  /'
        done
        echo "${tier_prefix:?}: FAILED:$failed"
        return 1
    fi
    echo "${tier_prefix:?}: all tiers passed"
}
