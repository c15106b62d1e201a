#!/bin/sh
# Checks that the kernel patch series stands alone: for every K, the first K
# patches of datapath/patches/series apply to Linux 6.1's net/openvswitch and
# build openvswitch.ko (with datapath/build.sh), and each patch passes the
# kernel's checkpatch.pl --strict.
#
# Usage: datapath/check-series.sh SRCDIR OUTDIR
#
# checkpatch.pl's FILE_PATH_CHANGES warning ("does MAINTAINERS need
# updating?") is left out: every patch that adds a file gets it, and the
# OPENVSWITCH entry of MAINTAINERS already covers net/openvswitch/.

set -eu

srcdir=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}

if [ ! -x "$out/scripts/checkpatch.pl" ]; then
    top=$(tar tJf "$tarball" | head -n 1 | cut -d/ -f1)
    tar xJf "$tarball" -C "$out" --strip-components=1 "$top/scripts"
fi

rc=0
k=0
for name in $(grep -v '^#' "$srcdir/datapath/patches/series"); do
    k=$((k + 1))
    echo "check-series: $k: $name"
    "$out/scripts/checkpatch.pl" --strict --no-tree --quiet \
        --ignore FILE_PATH_CHANGES "$srcdir/datapath/patches/$name" || rc=1
    DATAPATH_PATCHES=$k "$srcdir/datapath/build.sh" "$srcdir" \
        "$out/series-$k" > "$out/series-$k.log" 2>&1 \
        || { cat "$out/series-$k.log" >&2; rc=1; }
    grep -E 'warning:|error:' "$out/series-$k.log" >&2 && rc=1
done
[ $rc = 0 ] && echo "check-series: $k patches, each applies, builds and passes checkpatch"
exit $rc
