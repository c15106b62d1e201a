#!/bin/bash
# "make check": every tier, each with its time.
#
# Usage: run-check.sh SRCDIR OVS_DIR DATAPATH_DIR OVS_TARBALL DEB_DIR PKG_DIR
#
#   unit              ovs-l3dsr's tests and the Open vSwitch suites that
#                     ovs-patches/ touches (tests/run-testsuites.sh)
#   system-userspace  the system tests on the userspace datapath
#   kernel            the kernel system tests in qemu VMs
#                     (tests/run-kernel-tests.sh)
#   packages          make deb, then the packages installed on a fresh
#                     Debian 12 root and booted with systemd
#                     (tests/check-packages.sh)
#
# The packages' build and the root they are installed in take CPU for
# minutes, while the unit and system tests mostly wait for daemons and
# timeouts (the system tests run one at a time).  So they are made in the
# background, at the lowest priority, while those two tiers run; the boot
# of the installed root follows the kernel tier.  Every tier runs even if
# one before it failed; the status is that of all.

set -u

srcdir=$1 ovsdir=$2 dpdir=$3 tarball=$4 debdir=$5 pkgdir=$6
tier_prefix=run-check
# shellcheck source=tests/tier.sh
. "$srcdir/tests/tier.sh"

# The packages and the installed root, in the background (see above).
mkdir -p "$pkgdir"
prepare_log=$pkgdir/prepare.log
prepare_start=$(date +%s)
setsid nice -n 19 ionice -c 3 bash -c '
    set -e
    sh "$1/tools/make-deb.sh" "$2" "$1" "$3"
    L3DSR_NO_BOOT=1 bash "$1/tests/check-packages.sh" "$3" "$4"
' prepare "$srcdir" "$tarball" "$debdir" "$pkgdir" > "$prepare_log" 2>&1 &
prepare_pid=$!
# Stopping this script stops the background build too.
trap 'kill -- -$prepare_pid 2>/dev/null || kill $prepare_pid 2>/dev/null' EXIT

tier unit sh "$srcdir/tests/run-testsuites.sh" "$ovsdir" unit
tier system-userspace sh "$srcdir/tests/run-testsuites.sh" "$ovsdir" system-userspace

prepare_rc=0
wait $prepare_pid || prepare_rc=$?
trap - EXIT
echo "run-check: packages built and installed in the root (background," \
     "$(( $(date +%s) - prepare_start )) s in all; log $prepare_log):"
grep -E '^(check-packages|make-deb):|^  ' "$prepare_log" | sed 's/^/  /'

tier kernel bash "$srcdir/tests/run-kernel-tests.sh" "$ovsdir" "$dpdir"

if [ $prepare_rc = 0 ]; then
    tier packages env L3DSR_BOOT_ONLY=1 \
        bash "$srcdir/tests/check-packages.sh" "$debdir" "$pkgdir"
else
    tail -n 30 "$prepare_log"
    echo "run-check: tier packages: FAILED (building or installing the" \
         "packages, status $prepare_rc; see $prepare_log)"
    failed="$failed packages"
fi

tiers_result
