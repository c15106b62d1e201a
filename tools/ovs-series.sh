#!/bin/sh
# Prints the directory of the patch series for an Open vSwitch source
# tarball: ovs-patches/X.Y for release X.Y.Z, read from the AC_INIT line of
# the tarball's configure.ac.  A Debian openvswitch-source tarball and an
# upstream release tarball are read alike.  Fails, listing the supported
# versions, when there is no series for that release.
#
# Usage: ovs-series.sh SRCDIR TARBALL
#        ovs-series.sh --version TARBALL     (prints X.Y.Z only)
#        ovs-series.sh --tree-version DIR    (X.Y.Z of an unpacked tree)

set -eu

die () {
    echo "ovs-series: $*" >&2
    exit 1
}

# The X.Y.Z of AC_INIT([openvswitch], [X.Y.Z], ...), brackets or not, in
# the configure.ac on standard input.
ac_init_version () {
    sed -n 's/^AC_INIT(\[*openvswitch\]*, *\[*\([0-9][0-9.]*\)\]*,.*/\1/p' \
        | head -n 1
}

case $1 in
    --version) tarball=$2 ;;
    --tree-version)
        [ -r "$2/configure.ac" ] || die "$2/configure.ac not found"
        version=$(ac_init_version < "$2/configure.ac")
        [ -n "$version" ] || die "$2/configure.ac: no Open vSwitch version"
        echo "$version"
        exit 0
        ;;
    *) srcdir=$1 tarball=$2 ;;
esac
[ -r "$tarball" ] || die "$tarball not found"
version=$(tar xzf "$tarball" -O --wildcards --no-wildcards-match-slash \
              '*/configure.ac' 2>/dev/null | ac_init_version)
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
