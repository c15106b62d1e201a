#!/bin/sh
# Builds the Debian binary packages of Open vSwitch with ovs-l3dsr ("make
# deb"): Debian's own packaging (the debian/ directory that Debian's
# openvswitch-source tarball carries) on the tree of "make" (the tarball with
# ovs-patches/3.1/series applied and the ovs-l3dsr sources linked in), plus the
# two packages of packaging/debian: ovs-l3dsr and openvswitch-l3dsr-dkms.
#
# Usage: make-deb.sh TARBALL SRCDIR OUTDIR
#
# The tree is built in OUTDIR/src, the packages land in OUTDIR.  Version:
# Debian's version + "+l3dsr" + L3DSR_DEB_REVISION (default 1).  The Open
# vSwitch test suites are not run (nocheck): they run in ovs-l3dsr's own
# tiers (make check).  No -dbgsym packages (noautodbgsym): nothing here
# installs them, and extracting them lengthens the build.  See docs/install.md.

set -eu

die () {
    echo "make-deb: $*" >&2
    exit 1
}

tarball=$1 srcdir=$(cd "$2" && pwd)
mkdir -p "$3"
out=$(cd "$3" && pwd)
pkg=$srcdir/packaging/debian
src=$out/src
tree=$src/openvswitch
revision=${L3DSR_DEB_REVISION:-1}

"$srcdir/tools/setup.sh" --deb-packages

# A clean tree every time: Debian's rules build in place.
rm -rf "$src"
mkdir -p "$src"
sh "$srcdir/tools/prepare-ovs-tree.sh" "$tarball" "$srcdir" "$tree"
[ -f "$tree/debian/rules" ] || die "$tarball carries no debian/ directory"

# --- debian/ of the tarball, adapted ---
deb=$tree/debian
patch -d "$tree" -p1 -F0 --batch --no-backup-if-mismatch --quiet \
    < "$pkg/rules.patch" || die "packaging/debian/rules.patch does not apply"

# control: no DPDK (its build needs libdpdk-dev and is not patched for
# L3DSR) and no openvswitch-source (a tarball of a tarball); DKMS for the
# new dkms package; then the two new packages.
awk -v RS= -v ORS='\n\n' '
    /(^|\n)Package: (openvswitch-switch-dpdk|openvswitch-source)\n/ { next }
    /^Source:/ {
        gsub(/\n libdpdk-dev[^\n]*/, "")
        sub(/\n debhelper-compat/, "\n dh-sequence-dkms,\n debhelper-compat")
    }
    { print }' "$deb/control" | sed -e '$d' > "$deb/control.new"
cat "$pkg/control.append" >> "$deb/control.new"
mv "$deb/control.new" "$deb/control"
# (Their files in debian/ stay: Open vSwitch's debian/automake.mk lists them.)

debversion=$(dpkg-parsechangelog -l "$deb/changelog" -SVersion)
distribution=$(dpkg-parsechangelog -l "$deb/changelog" -SDistribution)
version=$debversion+l3dsr$revision
# The changelog entry is signed by DEBFULLNAME <DEBEMAIL>, by default the
# author of the commit built.
name=${DEBFULLNAME:-$(git -C "$srcdir" log -1 --format=%an 2>/dev/null || echo ovs-l3dsr)}
email=${DEBEMAIL:-$(git -C "$srcdir" log -1 --format=%ae 2>/dev/null || true)}
[ -n "$email" ] || die "set DEBEMAIL (the changelog entry needs an address)"
upstream=${debversion%-*}
modversion=$upstream+l3dsr$revision
{
    echo "openvswitch ($version) $distribution; urgency=medium"
    echo
    echo "  * ovs-l3dsr $(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo unknown):"
    echo "    the set_daddr_on_dscp and hmark actions (ovs-patches), the new"
    echo "    packages ovs-l3dsr and openvswitch-l3dsr-dkms.  No DPDK, no"
    echo "    openvswitch-source."
    echo
    echo " -- $name <$email>  $(date -R)"
    echo
    cat "$deb/changelog"
} > "$deb/changelog.new"
mv "$deb/changelog.new" "$deb/changelog"

# ovs-l3dsr
for f in ovs-l3dsr.install ovs-l3dsr.service ovs-l3dsr.default; do
    cp "$pkg/$f" "$deb/$f"
done
mkdir -p "$deb/dsr.d"
cp "$pkg/dsr.d/README" "$deb/dsr.d/README"

# openvswitch-l3dsr-dkms: the datapath sources of this repository, built on
# the target by datapath/build.sh (dh_dkms installs dkms.conf).
mkdir -p "$deb/l3dsr-dkms/datapath"
cp -R "$srcdir/datapath/patches" "$deb/l3dsr-dkms/datapath/"
cp "$srcdir/datapath/build.sh" "$srcdir/datapath/kernel-abi.sh" \
    "$srcdir/datapath/Kbuild" "$deb/l3dsr-dkms/datapath/"
sed "s/@VERSION@/$modversion/" "$pkg/openvswitch-l3dsr-dkms.dkms.in" \
    > "$deb/openvswitch-l3dsr-dkms.dkms"
# The stock openvswitch.ko and ours both lack a MODULE_VERSION, so that DKMS
# would see equal versions and keep the stock one: this file makes it skip
# that comparison (dkms(8), modules_to_force_install).
mkdir -p "$deb/l3dsr-dkms/force"
cp "$pkg/modules_to_force_install/openvswitch-l3dsr" "$deb/l3dsr-dkms/force/"
{
    echo "debian/l3dsr-dkms/datapath usr/src/openvswitch-l3dsr-$modversion"
    echo "debian/l3dsr-dkms/force/openvswitch-l3dsr usr/share/dkms/modules_to_force_install"
} > "$deb/openvswitch-l3dsr-dkms.install"

echo "make-deb: building $version (DEB_BUILD_OPTIONS=nocheck noautodbgsym parallel=N)"
jobs=$(nproc 2>/dev/null || echo 2)
# Debian's tools only: a python3 of pyenv or a venv first on PATH would build
# python3-openvswitch for the wrong interpreter.
(cd "$tree" && PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$jobs" dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 \
    || { tail -n 60 "$out/build.log" >&2; die "dpkg-buildpackage failed; see $out/build.log"; }

rm -f "$out"/*.deb "$out"/*.ddeb "$out"/*.buildinfo "$out"/*.changes
mv "$src"/*.deb "$src"/*.buildinfo "$src"/*.changes "$out"/
ls -l "$out"/*.deb

# lintian on the two new packages: no errors allowed.
lintian_rc=0
(cd "$out" && lintian --fail-on error --tag-display-limit 0 \
    ovs-l3dsr_"$version"_*.deb openvswitch-l3dsr-dkms_"$version"_all.deb) \
    > "$out/lintian.log" 2>&1 || lintian_rc=$?
cat "$out/lintian.log"
[ "$lintian_rc" = 0 ] || die "lintian reports errors on the new packages"
echo "make-deb: packages of $version in $out"
