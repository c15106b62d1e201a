#!/bin/sh
# Builds the patched Linux kernel datapath, openvswitch.ko, out of tree.
#
# Usage: datapath/build.sh SRCDIR OUTDIR
#
# With DATAPATH_PATCHES=K in the environment, only the first K patches of
# the series are applied (datapath/check-series.sh builds every prefix of the
# series this way: each patch must build on its own).
#
# 1. datapath/kernel-abi.sh finds the ABI of the installed linux-headers
#    package that matches the installed linux-source-6.1 (and fails if none
#    does).
# 2. net/openvswitch and include/uapi/linux/openvswitch.h are extracted from
#    Debian's linux-source-6.1 tarball into OUTDIR/linux, and
#    datapath/patches/series is applied with no fuzz.  The patches add the
#    new source files themselves.  This is redone only when the tarball, the
#    ABI or the patches change.
# 3. The Kbuild glue is copied in, and the module is built against
#    /usr/src/linux-headers-ABI with the kernel's own build system.
# 4. The result is checked (vermagic, the new actions' symbols) and copied
#    to OUTDIR/openvswitch.ko; OUTDIR/abi holds "ABI VERSION".

set -eu

# The kernel's build system is a make of its own, not a sub-make of the
# top-level one (whose flags would make it print "Entering directory").
unset MAKEFLAGS MFLAGS MAKELEVEL

die () {
    echo "datapath-build: $*" >&2
    exit 1
}

srcdir=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

abiline=$("$srcdir/datapath/kernel-abi.sh") || die "no kernel to build for (see above)"
set -- $abiline
abi=$1 version=$2
headers=/usr/src/linux-headers-$abi
[ -r "$tarball" ] || die "$tarball not found: install linux-source-6.1"

tree=$out/linux
upto=${DATAPATH_PATCHES:-}
case $upto in
    ''|*[!0-9]*) upto= ;;
esac
key=$( (echo "$abi $version ${upto:-all}"; ls -l "$tarball";
        cat "$srcdir/datapath/patches/series";
        for p in $(grep -v '^#' "$srcdir/datapath/patches/series"); do
            cat "$srcdir/datapath/patches/$p"
        done; cat "$srcdir/datapath/build.sh") | sha256sum | cut -c1-16)

if [ "$(cat "$tree/.l3dsr-key" 2>/dev/null)" != "$key" ]; then
    echo "datapath-build: extracting net/openvswitch from $tarball ($version)"
    rm -rf "$tree" "$tree.tmp"
    mkdir -p "$tree.tmp"
    top=$(tar tJf "$tarball" | head -n 1 | cut -d/ -f1)
    tar xJf "$tarball" -C "$tree.tmp" --strip-components=1 \
        "$top/Makefile" "$top/net/openvswitch" \
        "$top/include/uapi/linux/openvswitch.h"

    # The headers must describe the same kernel as the source.
    src_kv=$(sed -n -e 's/^VERSION = //p' -e 's/^PATCHLEVEL = //p' \
                 -e 's/^SUBLEVEL = //p' "$tree.tmp/Makefile" | paste -sd.)
    hdr_kv=$(make -s --no-print-directory -C "$headers" kernelversion \
                 2>/dev/null) || hdr_kv=
    if [ -z "$src_kv" ] || [ "$src_kv" != "$hdr_kv" ]; then
        die "headers and source disagree: $tarball is ${src_kv:-unknown}, $headers is ${hdr_kv:-unknown}"
    fi

    n=0
    while read -r name; do
        case $name in
            ''|'#'*) continue ;;
        esac
        n=$((n + 1))
        [ -z "$upto" ] || [ "$n" -le "$upto" ] || break
        patchfile=$srcdir/datapath/patches/$name
        [ -f "$patchfile" ] || die "datapath/patches/series names $name, which is missing"
        echo "datapath-build: applying $name"
        patch -d "$tree.tmp" -p1 -F0 --batch --no-backup-if-mismatch --quiet \
            < "$patchfile" || die "patch $name does not apply"
    done < "$srcdir/datapath/patches/series"
    echo "$key" > "$tree.tmp/.l3dsr-key"
    mv "$tree.tmp" "$tree"
fi

# Copy it only if it changed, so that kbuild rebuilds only what it must.
cmp -s "$srcdir/datapath/Kbuild" "$tree/net/openvswitch/Kbuild" \
    || cp "$srcdir/datapath/Kbuild" "$tree/net/openvswitch/Kbuild"

echo "datapath-build: building openvswitch.ko for $abi"
# Only openvswitch.ko: the tunnel vport modules are not patched, and the
# stock ones load on top of this module.
make -C "$headers" M="$tree/net/openvswitch" \
    CONFIG_OPENVSWITCH=m CONFIG_OPENVSWITCH_VXLAN= \
    CONFIG_OPENVSWITCH_GRE= CONFIG_OPENVSWITCH_GENEVE= \
    -j"$(nproc 2>/dev/null || echo 2)" modules > "$out/build.log" 2>&1 \
    || { cat "$out/build.log" >&2; die "module build failed"; }
grep -E 'warning:|error:' "$out/build.log" >&2 || true

ko=$tree/net/openvswitch/openvswitch.ko
vermagic=$(/sbin/modinfo -F vermagic "$ko")
case $vermagic in
    "$abi "*) ;;
    *) die "$ko has vermagic '$vermagic', not $abi" ;;
esac
if [ -z "$upto" ]; then
    for sym in ovs_daddr_on_dscp_execute ovs_hmark_execute; do
        nm "$ko" | grep -q "$sym" || die "$ko lacks $sym: a new action is missing"
    done
fi

cp "$ko" "$out/openvswitch.ko.tmp"
mv "$out/openvswitch.ko.tmp" "$out/openvswitch.ko"
echo "$abi $version" > "$out/abi"
echo "datapath-build: $out/openvswitch.ko ($vermagic)"
