#!/bin/sh
# Creates the Open vSwitch build tree: a clean unpack of an Open vSwitch
# source tarball (Debian's openvswitch-source, or an upstream release), the
# patch series of its release applied (ovs-patches/X.Y/series, picked by
# tools/ovs-series.sh), the ovs-l3dsr sources linked in, and the autotools
# files regenerated when the patches touch their inputs or the tarball has
# none (a release tarball made from a git tag).
#
# Usage: prepare-ovs-tree.sh TARBALL SRCDIR OVSDIR
#        prepare-ovs-tree.sh --links SRCDIR OVSDIR
#
# The second form only (re)creates the links, so that a source file added to
# lib/ or tests/ reaches the tree without a new unpack.

set -eu

die () {
    echo "prepare-ovs-tree: $*" >&2
    exit 1
}

# Links every ovs-l3dsr source into 'tree' at the same relative path.
link_sources () {
    srcdir=$1 tree=$2
    for file in "$srcdir"/lib/*.[ch] "$srcdir"/lib/*.mk \
                "$srcdir"/utilities/*.[ch] "$srcdir"/utilities/*.mk \
                "$srcdir"/utilities/*.[0-9] \
                "$srcdir"/tests/*.at "$srcdir"/tests/*.mk \
                "$srcdir"/tests/*.py "$srcdir"/tests/*.[ch]; do
        [ -e "$file" ] || continue
        rel=${file#"$srcdir"/}
        target=$tree/$rel
        if [ -e "$target" ] && [ ! -L "$target" ]; then
            die "$rel would replace an Open vSwitch file of the same name"
        fi
        ln -sfn "$(realpath "$file")" "$target"
    done
}

if [ "$1" = --links ]; then
    link_sources "$2" "$3"
    exit 0
fi

tarball=$1 srcdir=$2 ovsdir=$3
tmp=$ovsdir.tmp
series=$(sh "$srcdir/tools/ovs-series.sh" "$srcdir" "$tarball") || exit 1

rm -rf "$tmp"
mkdir -p "$tmp"
echo "prepare-ovs-tree: unpacking $tarball"
tar xzf "$tarball" -C "$tmp" --strip-components=1

regen=false
[ -x "$tmp/configure" ] || regen=true
while read -r name; do
    case $name in
        ''|'#'*) continue ;;
    esac
    patchfile=$series/$name
    [ -f "$patchfile" ] || die "$series/series names $name, which is missing"
    echo "prepare-ovs-tree: applying ${series#"$srcdir"/}/$name"
    # No fuzz: the base is a fixed release, so a hunk that does not match
    # exactly means the patch is wrong.
    if ! patch -d "$tmp" -p1 -F0 --batch --no-backup-if-mismatch --quiet \
            < "$patchfile"; then
        die "patch $name does not apply"
    fi
    if grep -Eq '^\+\+\+ b/(.*\.am|.*\.mk|configure\.ac|.*\.m4)' \
            "$patchfile"; then
        regen=true
    fi
done < "$series/series"

link_sources "$srcdir" "$tmp"

if $regen; then
    echo "prepare-ovs-tree: regenerating autotools files"
    (cd "$tmp" && autoreconf --install --force) > "$tmp/.l3dsr-boot.log" 2>&1 \
        || { cat "$tmp/.l3dsr-boot.log" >&2; die "autoreconf failed"; }
fi

rm -rf "$ovsdir"
mv "$tmp" "$ovsdir"
# The second stamp names the tarball (the Makefile's $(OVS_PREPARED)).
touch "$ovsdir/.l3dsr-prepared" "$ovsdir/.l3dsr-prepared-$(basename "$tarball")"
