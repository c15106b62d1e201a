#!/bin/sh
# Builds the patched Linux kernel datapath, openvswitch.ko, out of tree.
#
# Usage: datapath/build.sh SRCDIR OUTDIR
#
# The kernel series is KERNEL_SERIES from the environment (6.1, the
# default, or 6.12), or that of KERNEL_ABI if it is set (DKMS sets it to the
# kernel it builds for): see datapath/kernel-abi.sh.  Each series has its
# patch series in datapath/patches/SERIES/.
#
# With DATAPATH_PATCHES=K in the environment, only the first K patches of
# the series are applied (datapath/check-series.sh builds every prefix of the
# series this way: each patch must build on its own).
#
# 1. datapath/kernel-abi.sh finds the ABI of the installed linux-headers
#    package that matches the installed linux-source-SERIES (and fails if
#    none does).
# 2. net/openvswitch and include/uapi/linux/openvswitch.h are extracted from
#    Debian's linux-source-SERIES tarball into OUTDIR/linux, and
#    datapath/patches/SERIES/series is applied with no fuzz.  The patches add
#    the new source files themselves.  The action attribute numbers of the
#    patched uapi header are checked (check_attrs below).  This is redone
#    only when the tarball, the ABI or the patches change.
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
series=$("$srcdir/datapath/kernel-abi.sh" --series) || die "no kernel series"
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-$series.tar.xz}
patchdir=$srcdir/datapath/patches/$series
[ -f "$patchdir/series" ] || die "no patch series for Linux $series ($patchdir/series)"

abiline=$("$srcdir/datapath/kernel-abi.sh") || die "no kernel to build for (see above)"
set -- $abiline
abi=$1 version=$2
headers=/usr/src/linux-headers-$abi
[ -r "$tarball" ] || die "$tarball not found: install linux-source-$series"

# Checks the action attribute numbers of the patched uapi header $1: each
# value of enum ovs_action_attr, implicit or explicit, occurs once, and
# the new actions have the numbers that Open vSwitch userspace uses
# (ovs-patches/0005 and 0010).  A new action of a later kernel with the
# same number would make the datapath run the wrong action.
check_attrs () {
    awk '
        /^enum ovs_action_attr \{/ { inside = 1; v = -1; next }
        inside && /^\};/ { inside = 0 }
        !inside { next }
        { sub(/\/\*.*\*\//, ""); sub(/\/\*.*/, ""); sub(/^[ \t]*\*.*/, "") }
        match($0, /OVS_ACTION_ATTR_[A-Z0-9_]+|__OVS_ACTION_ATTR_MAX/) {
            name = substr($0, RSTART, RLENGTH)
            rest = substr($0, RSTART + RLENGTH)
            if (match(rest, /^[ \t]*=[ \t]*[0-9]+/)) {
                eq = substr(rest, RSTART, RLENGTH); sub(/^[ \t]*=[ \t]*/, "", eq)
                v = eq + 0
            } else {
                v++
            }
            if ((v in seen) && name != "__OVS_ACTION_ATTR_MAX") {
                printf "%s and %s are both %d\n", seen[v], name, v
                bad = 1
            }
            seen[v] = name; val[name] = v
        }
        END {
            want["OVS_ACTION_ATTR_SET_DADDR_ON_DSCP"] = 40
            want["OVS_ACTION_ATTR_HMARK"] = 41
            for (n in want)
                if ((n in val) && val[n] != want[n]) {
                    printf "%s is %d, not %d\n", n, val[n], want[n]
                    bad = 1
                }
            exit bad
        }' "$1"
}

tree=$out/linux
upto=${DATAPATH_PATCHES:-}
case $upto in
    ''|*[!0-9]*) upto= ;;
esac
key=$( (echo "$abi $version ${upto:-all}"; ls -l "$tarball";
        cat "$patchdir/series";
        for p in $(grep -v '^#' "$patchdir/series"); do
            cat "$patchdir/$p"
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
        patchfile=$patchdir/$name
        [ -f "$patchfile" ] || die "datapath/patches/$series/series names $name, which is missing"
        echo "datapath-build: applying $series/$name"
        patch -d "$tree.tmp" -p1 -F0 --batch --no-backup-if-mismatch --quiet \
            < "$patchfile" || die "patch $series/$name does not apply"
    done < "$patchdir/series"
    check_attrs "$tree.tmp/include/uapi/linux/openvswitch.h" \
        || die "action attribute numbers collide (see above)"
    echo "$key" > "$tree.tmp/.l3dsr-key"
    mv "$tree.tmp" "$tree"
fi

# Copy it only if it changed, so that kbuild rebuilds only what it must.
cmp -s "$srcdir/datapath/Kbuild" "$tree/net/openvswitch/Kbuild" \
    || cp "$srcdir/datapath/Kbuild" "$tree/net/openvswitch/Kbuild"

echo "datapath-build: building openvswitch.ko for $abi (Linux $series, $version)"
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
