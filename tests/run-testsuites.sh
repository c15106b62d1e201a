#!/bin/sh
# Runs one tier of the tests in the built Open vSwitch tree.
#
# Usage: run-testsuites.sh OVS_DIR TIER
#
# unit: ovs-l3dsr's tests plus the Open vSwitch suites that ovs-patches/
#       touches, from tests/testsuite.
# system-userspace: ovs-l3dsr's system tests on the userspace datapath, from
#       tests/system-userspace-testsuite (needs root).
# The smaller tiers of the other Open vSwitch releases (make
# check-platforms):
# l3dsr-unit: ovs-l3dsr's tests plus ofp-actions.at and odp.at, the suites
#       of the encoders and parsers that the hooks extend.
# l3dsr-unit-small: the same without the tests that take most of its CPU
#       and do not depend on the release: l3dsr-python.at (os-ken's classes
#       against ovs-ofctl, whose encoding is lib/'s, the same in every
#       release) and odp.at's two "too long" tests (the nesting limits of
#       the datapath parser, which the hooks do not reach).
# system-packets: the system tests that compare packets byte for byte with
#       scapy's and marks with the kernel's xt_HMARK (needs root).
#
# Tests listed in tests/known-failures-X.Y.txt, for the tree's Open vSwitch
# release X.Y (failures of the stock release on this kind of machine), are
# left out.  A TESTSUITEFLAGS from the
# environment replaces the selection (autotest would otherwise run the union
# of both), e.g. TESTSUITEFLAGS='-k fragment' runs only the tests with that
# keyword, from any suite.

set -eu

ovsdir=$1 tier=$2
drop=   # An ERE: the tests whose title it matches are left out.
here=$(cd "$(dirname "$0")" && pwd)

# Prints the names of the test files that make variable $1 of
# tests/l3dsr.mk, the one list of ovs-l3dsr's test files, holds.
l3dsr_at () {
    sed -n "/^$1 =/,/^\$/s|^[[:space:]]*tests/\([^ ]*\.at\).*|\1|p" \
        "$here/l3dsr.mk"
}

case $tier in
    unit)
        suite=tests/testsuite
        target=check
        files="$(l3dsr_at L3DSR_UNIT_AT)
               ofp-actions.at ofp-print.at ovs-ofctl.at odp.at
               ofproto-dpif.at dpif-netdev.at pytest.at"
        ;;
    l3dsr-unit)
        suite=tests/testsuite
        target=check
        files="$(l3dsr_at L3DSR_UNIT_AT) ofp-actions.at odp.at"
        ;;
    l3dsr-unit-small)
        suite=tests/testsuite
        target=check
        files="$(l3dsr_at L3DSR_UNIT_AT | grep -v '^l3dsr-python\.at$')
               ofp-actions.at odp.at"
        drop=' too long$'
        ;;
    system-userspace|system-packets)
        if [ "$(id -u)" != 0 ]; then
            echo "run-testsuites: the system tests need root" >&2
            exit 1
        fi
        suite=tests/system-userspace-testsuite
        target=check-system-userspace
        # The kernel datapath's own tests belong to the kernel tier
        # (tests/run-kernel-tests.sh).
        files=$(l3dsr_at L3DSR_SYSTEM_AT | grep -v '^system-l3dsr-kmod\.at$')
        if [ "$tier" = system-packets ]; then
            files="system-daddr-on-dscp.at system-hmark.at"
        fi
        ;;
    *)
        echo "run-testsuites: unknown tier $tier" >&2
        exit 1
        ;;
esac

cd "$ovsdir"
make "$suite" > /dev/null
release=$(sh "$here/../tools/ovs-series.sh" --tree-version . | cut -d. -f1,2)
known=$here/known-failures-$release.txt
[ -f "$known" ] || known=/dev/null

# "./testsuite -l" prints "  NUM: FILE:LINE  TITLE" for each test.
numbers=$("./$suite" -l | awk -v files="$files" -v known="$known" -v drop="$drop" '
    BEGIN {
        n = split(files, f, /[ \n]+/)
        for (i = 1; i <= n; i++) if (f[i] != "") want[f[i]] = 1
        while ((getline line < known) > 0)
            if (line !~ /^#/ && line != "") skip[line] = 1
    }
    /^ *[0-9]+: / {
        num = $1; sub(/:$/, "", num)
        file = $2; sub(/:.*/, "", file)
        title = $0; sub(/^ *[0-9]+: +[^ ]+ +/, "", title)
        if ((file in want) && !(title in skip) && (drop == "" || title !~ drop))
            printf "%s ", num
    }')

if [ -z "$numbers" ]; then
    echo "run-testsuites: no tests selected" >&2
    exit 1
fi
echo "run-testsuites: $tier (Open vSwitch $release): $(echo $numbers | wc -w) tests from:" $files

# The tests mostly wait (for daemons, for timeouts) rather than compute: with
# twice as many jobs as CPUs, the unit tier took 9 minutes instead of 19 on
# a 2-CPU machine.  (Open vSwitch's check-system-* targets run their
# tests one at a time whatever -j says: they share namespace names.  The
# system tiers run in shards instead, each in namespaces of its own,
# L3DSR_SYSTEM_SHARDS of them, by default one more than the CPUs:
# tests/run-system-shards.sh.)
# The other platforms' unit tiers (make check-platforms, with no
# background build beside them) wait even more: alone, with four jobs per
# CPU, 3.3's l3dsr-unit-small took 84 s instead of 133 s (and no less with
# six per CPU).
cpus=$(nproc 2>/dev/null || echo 2)
jobs=$(( 2 * cpus ))
case $tier in l3dsr-unit*) jobs=$(( 4 * cpus )) ;; esac
shards=$(( cpus + 1 ))
# The platforms' 17 byte-exact and xt_HMARK tests wait most of their time:
# 3.3's took 47 s in 5 shards, 77 s in 3.
[ "$tier" != system-packets ] || shards=$(( 2 * cpus + 1 ))
shards=${L3DSR_SYSTEM_SHARDS:-$shards}
# The test packets, built once with scapy and then reused by the other
# tests and the kernel tier (tests/l3dsr-hmark.py, tests/l3dsr-pkt.py).
# They do not depend on the release: make check-platforms points the other
# releases' trees to the primary tree's cache.
L3DSR_PACKET_CACHE=${L3DSR_PACKET_CACHE:-$PWD/tests/packet-cache}
export L3DSR_PACKET_CACHE
if [ -n "${TESTSUITEFLAGS:-}" ]; then
    echo "run-testsuites: TESTSUITEFLAGS replaces the selection"
    numbers=$TESTSUITEFLAGS
fi
# The unit tier runs a failed test once more (RECHECK=yes, Open vSwitch's
# own mechanism, as Debian's build does): a few upstream tests race against
# the statistics' update when the CPUs are busy (seen: "ofproto-dpif -
# continuation with patch port" counting 0 packets instead of 1 while "make
# check" built the packages beside it).  A test that fails twice fails.
recheck=no
[ "$tier" = unit ] && recheck=yes
if [ "$target" = check-system-userspace ] && [ -z "${TESTSUITEFLAGS:-}" ] \
       && [ "$shards" -gt 1 ]; then
    # shellcheck disable=SC2086
    exec bash "$here/run-system-shards.sh" . "$shards" $numbers
fi
exec make "$target" TESTSUITEFLAGS="-j$jobs $numbers" RECHECK=$recheck
