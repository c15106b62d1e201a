#!/bin/sh
# Prepares a fresh clone on Debian 12 for "make": installs the Debian
# packages that the build, the tests and the demo need (only those that are
# missing), then generates and runs the top-level configure script.
# Run as root from anywhere; safe to run again.
#
# "setup.sh --deb-packages" installs only what "make deb" and
# "make check-packages" need in addition (Debian's build dependencies of
# openvswitch without DPDK, dh-dkms, lintian, debootstrap); make deb runs it.

set -eu

cd "$(dirname "$0")/.."

PACKAGES="
    autoconf automake libtool make gcc pkg-config patch
    libssl-dev libcap-ng-dev
    openvswitch-source
    python3 python3-scapy python3-sortedcontainers
    python3-pytest python3-netaddr python3-pyparsing python3-pkg-resources
    python3-os-ken
    iproute2 iputils-ping ethtool net-tools procps psmisc tcpdump wget curl
    netcat-openbsd valgrind iptables nftables
    linux-source-6.1 linux-headers-amd64 kmod
    qemu-system-x86 busybox-static cpio
    clang libclang-rt-14-dev llvm-14
"

# Build dependencies of Debian's openvswitch source (debian/control of the
# tarball) except libdpdk-dev, and the packaging tools.
DEB_PACKAGES="
    dpkg-dev debhelper dh-exec dh-python dh-dkms dkms fakeroot lintian
    python3-all-dev python3-setuptools python3-sphinx graphviz bzip2 openssl
    libbpf-dev libdbus-1-dev libnuma-dev libpcap-dev libunbound-dev libxdp-dev
    debootstrap
"

# Installs the Debian packages given as arguments (as root).
apt_install () {
    if [ "$(id -u)" != 0 ]; then
        echo "setup: must run as root to install packages" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q > /dev/null
    apt-get install -y -q --no-install-recommends "$@" > /dev/null
}

deb_only=false
if [ "${1:-}" = --deb-packages ]; then
    PACKAGES=$DEB_PACKAGES
    deb_only=true
fi

missing=
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
            | grep -q 'install ok installed'; then
        missing="$missing $pkg"
    fi
done

if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    # shellcheck disable=SC2086
    apt_install $missing
fi
if $deb_only; then
    exit 0
fi

# The kernel datapath (make modules, make check-kernel) is built from
# linux-source-6.1 against the headers of the same upload.  If an older
# linux-source-6.1 or headers package was already installed, bring both to
# the archive's version.
if ! datapath/kernel-abi.sh > /dev/null 2>&1; then
    echo "setup: linux-source-6.1 and linux-headers-amd64 disagree; upgrading both"
    apt_install linux-source-6.1 linux-headers-amd64
    datapath/kernel-abi.sh > /dev/null
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] \
        || [ Makefile.am -nt Makefile.in ]; then
    echo "setup: generating configure"
    autoreconf --install --force > /dev/null 2>&1 || autoreconf --install --force
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
    echo "setup: configuring"
    ./configure --quiet
fi
echo "setup: ready; run make, make check or make demo"
