#!/bin/sh
# Prepares a fresh clone on Debian 12 for "make": installs the Debian
# packages that the build, the tests and the demo need (only those that are
# missing), then generates and runs the top-level configure script.
# Run as root from anywhere; safe to run again.
#
# "setup.sh --deb-packages" installs only what "make deb" and
# "make check-packages" need in addition (Debian's build dependencies of
# openvswitch without DPDK, dh-dkms, lintian, debootstrap); make deb runs it.
#
# "KERNEL_SERIES=6.12 setup.sh" also sets up the kernel datapath for Linux
# 6.12 ("make modules KERNEL_SERIES=6.12"): it adds Debian's
# bookworm-backports suite to apt's sources (BACKPORTS_SOURCES below) if no
# source names it, and installs linux-source-6.12 and the linux-headers-ABI
# package of the same upload from that suite, beside 6.1's.  Without it,
# nothing is added to apt's sources.

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
if ! KERNEL_SERIES=6.1 datapath/kernel-abi.sh > /dev/null 2>&1; then
    echo "setup: linux-source-6.1 and linux-headers-amd64 disagree; upgrading both"
    apt_install linux-source-6.1 linux-headers-amd64
    KERNEL_SERIES=6.1 datapath/kernel-abi.sh > /dev/null
fi

# Linux 6.12 comes from bookworm-backports.  bookworm-security carries
# newer linux-source-6.12 uploads too, at a higher priority, so the suite
# is named explicitly: the source is backports' version, and the headers
# are the ABI package that backports' linux-headers-amd64 of that version
# depends on.  The meta-package itself is not installed: 6.1's must stay.
# Debian's 6.12 headers depend on linux-image-ABI, so that is installed too
# (with GRUB, it becomes the default kernel at the next boot).
BACKPORTS_SOURCES=/etc/apt/sources.list.d/l3dsr-bookworm-backports.sources
setup_backports_series () {
    series=$1
    if KERNEL_SERIES=$series datapath/kernel-abi.sh > /dev/null 2>&1; then
        return 0
    fi
    if ! grep -Eqs '^[^#]*bookworm-backports' /etc/apt/sources.list \
            /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
        echo "setup: adding bookworm-backports to apt's sources ($BACKPORTS_SOURCES)"
        [ "$(id -u)" = 0 ] || { echo "setup: must run as root" >&2; exit 1; }
        cat > "$BACKPORTS_SOURCES" <<'SOURCES'
# Added by ovs-l3dsr's tools/setup.sh for the Linux 6.12 kernel datapath.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    fi
    [ "$(id -u)" = 0 ] || { echo "setup: must run as root to install packages" >&2; exit 1; }
    apt-get update -q > /dev/null
    version=$(apt-cache madison "linux-source-$series" \
                  | awk -F' *[|] *' '$3 ~ / bookworm-backports\// { print $2; exit }')
    [ -n "$version" ] || { echo "setup: bookworm-backports has no linux-source-$series" >&2; exit 1; }
    headers=$(apt-cache depends "linux-headers-amd64=$version" \
                  | awk '$1 == "Depends:" && $2 ~ /^linux-headers-.*-amd64$/ { print $2; exit }')
    [ -n "$headers" ] || { echo "setup: no headers package for linux-source-$series $version" >&2; exit 1; }
    echo "setup: installing linux-source-$series and $headers $version (bookworm-backports)"
    apt_install --allow-downgrades "linux-source-$series=$version" "$headers=$version"
    KERNEL_SERIES=$series datapath/kernel-abi.sh > /dev/null
}
for series in ${KERNEL_SERIES:-6.1}; do
    case $series in
        6.1) ;;
        6.12) setup_backports_series "$series" ;;
        *) echo "setup: unknown KERNEL_SERIES $series (6.1 or 6.12)" >&2; exit 1 ;;
    esac
done

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
