#!/bin/sh
# Prints "ABI VERSION" for the Debian kernel that the datapath is built for:
# ABI as in linux-headers-ABI (e.g. 6.1.0-NN-amd64) and VERSION, the Debian
# version of linux-source-SERIES.  The ABI is the one whose installed
# linux-headers-*-amd64 package was built from the same upload as the
# installed linux-source-SERIES; nothing is hard-coded.  Fails loudly when
# no such headers package is installed, i.e. when headers and source
# disagree.
#
# SERIES is KERNEL_SERIES from the environment: 6.1 (the default, Debian 12)
# or 6.12 (bookworm-backports).  KERNEL_ABI in the environment picks the ABI
# instead; the series is then the ABI's (6.1.0-NN-amd64 is 6.1,
# 6.12.NN+deb12-amd64 is 6.12) and its headers must still match the source.
# "kernel-abi.sh --series" prints only the series.

set -eu

die () {
    echo "kernel-abi: $*" >&2
    exit 1
}

series=${KERNEL_SERIES:-}
if [ -n "${KERNEL_ABI:-}" ]; then
    abi_series=$(echo "$KERNEL_ABI" | sed -n 's/^\([0-9]*\.[0-9]*\)[.-].*/\1/p')
    [ -n "$abi_series" ] || die "KERNEL_ABI=$KERNEL_ABI: not a kernel ABI"
    [ -z "$series" ] || [ "$series" = "$abi_series" ] \
        || die "KERNEL_ABI=$KERNEL_ABI is not of KERNEL_SERIES=$series"
    series=$abi_series
fi
series=${series:-6.1}
if [ "${1:-}" = --series ]; then
    echo "$series"
    exit 0
fi
source=linux-source-$series
case $series in
    6.1) setup="tools/setup.sh" ;;
    *) setup="KERNEL_SERIES=$series tools/setup.sh" ;;
esac

version=$(dpkg-query -W -f='${Version}' "$source" 2>/dev/null) \
    || die "$source is not installed; run $setup"
[ -n "$version" ] || die "$source is not installed; run $setup"

# Installed linux-headers-<abi>-amd64 packages, without the meta-package.
# Unpacked or half-configured count too: DKMS builds from the postinst of
# the headers package itself.
headers=$(dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' \
              'linux-headers-*-amd64' 2>/dev/null \
          | awk '$3 ~ /^i[iUF]$/ && $1 != "linux-headers-amd64"')

abi=
if [ -n "${KERNEL_ABI:-}" ]; then
    line=$(echo "$headers" | awk -v p="linux-headers-$KERNEL_ABI" '$1 == p')
    [ -n "$line" ] || die "KERNEL_ABI=$KERNEL_ABI: linux-headers-$KERNEL_ABI is not installed"
    [ "$(echo "$line" | awk '{print $2}')" = "$version" ] \
        || die "headers and source disagree: linux-headers-$KERNEL_ABI is $(echo "$line" | awk '{print $2}'), $source is $version"
    abi=$KERNEL_ABI
else
    abi=$(echo "$headers" | awk -v v="$version" '$2 == v { a = $1 } END {
              sub(/^linux-headers-/, "", a); print a }')
fi

if [ -z "$abi" ]; then
    echo "kernel-abi: headers and source disagree: $source is $version," >&2
    echo "kernel-abi: but no installed linux-headers-*-amd64 has that version." >&2
    echo "kernel-abi: installed headers:" >&2
    echo "${headers:-    (none)}" | sed 's/^/kernel-abi:     /' >&2
    die "run $setup, which installs matching $source and headers"
fi
[ -f "/usr/src/linux-headers-$abi/Makefile" ] \
    || die "/usr/src/linux-headers-$abi is missing although its package is installed"

echo "$abi $version"
