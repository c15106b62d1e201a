#!/bin/sh
# Prints the directory of the patch series for an Open vSwitch source
# tarball: ovs-patches/X.Y for release X.Y.Z, read from the AC_INIT line of
# the tarball's configure.ac.  A Debian openvswitch-source tarball and an
# upstream release tarball are read alike.  Fails, listing the supported
# versions, when there is no series for that release.
#
# Usage: ovs-series.sh SRCDIR TARBALL
#        ovs-series.sh --version TARBALL     (prints X.Y.Z only)

set -eu

die () {
    echo "ovs-series: $*" >&2
    exit 1
}

# The X.Y.Z of AC_INIT([openvswitch], [X.Y.Z], ...), brackets or not.
tarball_version () {
    [ -r "$1" ] || die "$1 not found"
    tar xzf "$1" -O --wildcards --no-wildcards-match-slash '*/configure.ac' \
            2>/dev/null \
        | sed -n 's/^AC_INIT(\[*openvswitch\]*, *\[*\([0-9][0-9.]*\)\]*,.*/\1/p' \
        | head -n 1
}

if [ "$1" = --version ]; then
    tarball=$2
else
    srcdir=$1 tarball=$2
fi
version=$(tarball_version "$tarball")
[ -n "$version" ] || die "$tarball: no Open vSwitch version in its configure.ac"
if [ "$1" = --version ]; then
    echo "$version"
    exit 0
fi

series=ovs-patches/$(echo "$version" | cut -d. -f1,2)
if [ ! -f "$srcdir/$series/series" ]; then
    supported=$(cd "$srcdir/ovs-patches" && ls -d [0-9]*.[0-9]* | sed 's/$/.x/' \
                | paste -sd' ')
    die "Open vSwitch $version ($tarball) is not supported; supported releases: $supported"
fi
echo "$srcdir/$series"
