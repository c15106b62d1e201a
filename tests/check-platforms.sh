#!/bin/bash
# "make check-platforms": ovs-l3dsr on the platforms other than the primary
# one (Debian 12's Open vSwitch 3.1.0 and Linux 6.1, which "make check"
# covers), each tier with its time.
#
# Usage: check-platforms.sh SRCDIR PLATFORM_DIR TARBALL...
#
# For each Open vSwitch release tarball (the upstream ones of
# ../shared/ovs/ by default, see the Makefile):
#
#   ovs-X.Y.Z build           the tree of the release with its own series
#                             (ovs-patches/X.Y), in PLATFORM_DIR/openvswitch-X.Y.Z,
#                             configured with L3DSR_PLATFORM_CONFIGURE if set
#   ovs-X.Y.Z unit            ovs-l3dsr's unit tests, ofp-actions.at, odp.at
#                             (small: without the release-independent
#                             tests that cost most, see run-testsuites.sh)
#   ovs-X.Y.Z system          ovs-l3dsr's system tests on the userspace
#                             datapath (L3DSR_PLATFORM_SIZE=small: only the
#                             byte-exact packet and xt_HMARK comparisons)
#
# then, for each kernel series of L3DSR_PLATFORM_KERNELS (default 6.12):
#
#   kernel-S-build            the series' packages (KERNEL_SERIES=S
#                             tools/setup.sh) and its openvswitch.ko (make
#                             modules KERNEL_SERIES=S), beside the builds
#   kernel-S                  the kernel tests on that series' Debian kernel
#                             in qemu, patched and stock module (make
#                             check-kernel KERNEL_SERIES=S; small:
#                             KERNEL_TIER=platform)
#
# Every tier runs even if one before it failed; the status is that of all.
# The releases' builds and the kernel series' modules run side by side,
# then the releases' unit tiers: each alone leaves part of the two CPUs
# idle (configure and the links are serial, the -O0 tests wait for their
# daemons).

set -u

srcdir=$1 platdir=$2
shift 2
tier_prefix=check-platforms
# shellcheck source=tests/tier.sh
. "$srcdir/tests/tier.sh"

case ${L3DSR_PLATFORM_SIZE:-full} in
    full) unit_tier=l3dsr-unit system_tier=system-userspace kernel_tier= ;;
    small) unit_tier=l3dsr-unit-small system_tier=system-packets
           kernel_tier=platform ;;
    *) echo "check-platforms: L3DSR_PLATFORM_SIZE is full or small" >&2
       exit 1 ;;
esac

if [ $# = 0 ]; then
    echo "check-platforms: no Open vSwitch tarball given (OVS_PLATFORM_TARBALLS," \
         "by default ../shared/ovs/openvswitch-*.tar.gz)" >&2
    exit 1
fi
ovs_dir () {
    realpath -m "$platdir/openvswitch-$1"
}
versions=
for tarball; do
    if ! version=$(sh "$srcdir/tools/ovs-series.sh" --version "$tarball"); then
        failed="$failed $tarball"
        continue
    fi
    versions="$versions $version"
    tier_start "ovs-$version-build" \
        make -C "$srcdir" ovs-build OVS_TARBALL="$(realpath "$tarball")" \
            OVS_DIR="$(ovs_dir "$version")" \
            ${L3DSR_PLATFORM_CONFIGURE:+OVS_CONFIGURE_FLAGS="$L3DSR_PLATFORM_CONFIGURE"}
done
# The kernel series' packages (from another suite, see tools/setup.sh) and
# modules, beside the builds: apt and the module's build fill the CPU that
# configure leaves idle, instead of taking 40 s before the VMs.
kernels=${L3DSR_PLATFORM_KERNELS-6.12}
# shellcheck disable=SC2016
for series in $kernels; do
    tier_start "kernel-$series-build" sh -c '
        KERNEL_SERIES=$2 "$1/tools/setup.sh" &&
        make -C "$1" modules KERNEL_SERIES="$2"
    ' modules "$srcdir" "$series"
done
tiers_wait

# Prints those of the names $2... whose tier "$1-NAME-build" passed.
built () {
    local prefix=$1 name
    shift
    for name; do
        case " $failed " in
            *" $prefix-$name-build "*) ;;
            *) echo "$name" ;;
        esac
    done
}
for version in $(built ovs $versions); do
    tier_start "ovs-$version-unit" \
        sh "$srcdir/tests/run-testsuites.sh" "$(ovs_dir "$version")" "$unit_tier"
done
tiers_wait
# The system tiers one after the other: they compare timings with the
# kernel's (xt_HMARK), and one of them failed once on a loaded machine.
for version in $(built ovs $versions); do
    tier "ovs-$version-system" \
        sh "$srcdir/tests/run-testsuites.sh" "$(ovs_dir "$version")" "$system_tier"
done

for series in $(built kernel $kernels); do
    tier "kernel-$series" \
        make -C "$srcdir" check-kernel KERNEL_SERIES="$series" KERNEL_TIER="$kernel_tier"
done

tiers_result
