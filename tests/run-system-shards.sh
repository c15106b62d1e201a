#!/bin/bash
# Runs tests of the Open vSwitch tree's userspace system testsuite in
# shards side by side, each in network and mount namespaces of its own.
#
# Usage: run-system-shards.sh OVS_DIR SHARDS TEST_NUMBER...
#
# Open vSwitch's check-system-* targets run their tests one at a time: the
# tests name their namespaces, bridges and ports alike.  But they mostly
# wait (for daemons, for timeouts, for packets): ovs-l3dsr's system tier
# left two CPUs about half idle for its ten minutes.  In a network
# namespace of its own, with a /run/netns of its own, a shard's names
# collide with no other's.  Each shard runs its share of the tests (every
# SHARDS-th, so that each gets some of every file) through the tree's
# check-system-userspace recipe, in its own directory
# OVS_DIR/tests/system-userspace-shards/K (system-userspace-testsuite.log
# and .dir there).  Each shard's output is prefixed with [shard K]; the
# status is that of all shards.

set -eu

ovsdir=$(cd "$1" && pwd) n_shards=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/side-by-side.sh
. "$here/side-by-side.sh"
base=$ovsdir/tests/system-userspace-shards
rm -rf "$base"

# Deals the tests out: shard K gets the Kth, the (K+SHARDS)th, ...
shard_tests () {
    local k=$1 i=0 num
    shift
    for num; do
        [ $((i % n_shards)) != $((k - 1)) ] || printf '%s ' "$num"
        i=$((i + 1))
    done
}

pids=
trap 'kill $pids 2>/dev/null || :' EXIT
mkdir -p /run/netns
for k in $(seq "$n_shards"); do
    numbers=$(shard_tests "$k" "$@")
    [ -n "$numbers" ] || continue
    dir=$base/$k
    sh "$here/testsuite-workdir.sh" "$ovsdir" "$dir"
    : > "$dir.out"    # before tail opens it
    # shellcheck disable=SC2016
    (unshare --net --mount --propagation private sh -c '
         mount -t tmpfs l3dsr-netns /run/netns && ip link set lo up &&
         exec make -C "$1" -o all check-system-userspace \
             TESTSUITEFLAGS="-C $2 $3"
     ' shard "$ovsdir" "$dir" "$numbers" > "$dir.out" 2>&1
     echo $? > "$dir.rc") &
    pids="$pids $!"
    # Ends by itself when the shard does.
    stream_output $! "$dir.out" "shard $k"
done
# shellcheck disable=SC2086
wait $pids || :
wait
pids=

rc=0 outputs=
for k in $(seq "$n_shards"); do
    [ -f "$base/$k.out" ] || continue
    [ "$(cat "$base/$k.rc" 2>/dev/null || echo 125)" = 0 ] || rc=1
    outputs="$outputs $base/$k.out"
done
# shellcheck disable=SC2086
read -r pass fail skip <<EOF
$(testsuite_counts $outputs)
EOF
echo "run-system-shards: $pass passed, $fail failed, $skip skipped in $n_shards shards (logs: $base/K/)"
exit $rc
