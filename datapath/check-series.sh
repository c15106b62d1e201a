#!/bin/sh
# Checks that a kernel patch series stands alone: for every K, the first K
# patches of datapath/patches/SERIES/series apply to that Linux series'
# net/openvswitch and build openvswitch.ko (with datapath/build.sh), and
# each patch passes the kernel's checkpatch.pl --strict, from the same
# linux-source-SERIES.
#
# Usage: [KERNEL_SERIES=SERIES] datapath/check-series.sh SRCDIR OUTDIR [SERIES]
#
# SERIES is 6.1 (the default) or 6.12; the argument wins over KERNEL_SERIES.
# checkpatch.pl's FILE_PATH_CHANGES warning ("does MAINTAINERS need
# updating?") is left out: every patch that adds a file gets it, and the
# OPENVSWITCH entry of MAINTAINERS already covers net/openvswitch/.

set -eu

srcdir=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
KERNEL_SERIES=${3:-${KERNEL_SERIES:-6.1}}
export KERNEL_SERIES
patchdir=$srcdir/datapath/patches/$KERNEL_SERIES
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-$KERNEL_SERIES.tar.xz}
[ -f "$patchdir/series" ] || { echo "check-series: no $patchdir/series" >&2; exit 1; }

# checkpatch.pl of the series' own source (its checks change between
# kernel versions); kept per tarball.
scripts=$out/scripts-$KERNEL_SERIES
if [ ! -x "$scripts/scripts/checkpatch.pl" ] || [ "$tarball" -nt "$scripts" ]; then
    rm -rf "$scripts"
    mkdir -p "$scripts"
    top=$(tar tJf "$tarball" | head -n 1 | cut -d/ -f1)
    tar xJf "$tarball" -C "$scripts" --strip-components=1 "$top/scripts"
fi

rc=0
k=0
for name in $(grep -v '^#' "$patchdir/series"); do
    k=$((k + 1))
    echo "check-series: $KERNEL_SERIES: $k: $name"
    "$scripts/scripts/checkpatch.pl" --strict --no-tree --quiet \
        --ignore FILE_PATH_CHANGES "$patchdir/$name" || rc=1
    log=$out/series-$KERNEL_SERIES-$k.log
    DATAPATH_PATCHES=$k "$srcdir/datapath/build.sh" "$srcdir" \
        "$out/series-$KERNEL_SERIES-$k" > "$log" 2>&1 \
        || { cat "$log" >&2; rc=1; }
    grep -E 'warning:|error:' "$log" >&2 && rc=1
done
[ $rc = 0 ] && echo "check-series: Linux $KERNEL_SERIES: $k patches, each applies, builds and passes checkpatch"
exit $rc
