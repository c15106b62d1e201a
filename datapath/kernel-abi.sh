#!/bin/sh
# Prints "ABI VERSION" for the Debian kernel that the datapath is built for:
# ABI as in linux-headers-ABI (e.g. 6.1.0-NN-amd64) and VERSION, the Debian
# version of linux-source-6.1.  The ABI is the one whose installed
# linux-headers-*-amd64 package was built from the same upload as the
# installed linux-source-6.1; nothing is hard-coded.  Fails loudly when no
# such headers package is installed, i.e. when headers and source disagree.
#
# KERNEL_ABI in the environment picks the ABI instead; its headers must
# still match the source.

set -eu

die () {
    echo "kernel-abi: $*" >&2
    exit 1
}

version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) \
    || die "linux-source-6.1 is not installed; run tools/setup.sh"
[ -n "$version" ] || die "linux-source-6.1 is not installed; run tools/setup.sh"

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
        || die "headers and source disagree: linux-headers-$KERNEL_ABI is $(echo "$line" | awk '{print $2}'), linux-source-6.1 is $version"
    abi=$KERNEL_ABI
else
    abi=$(echo "$headers" | awk -v v="$version" '$2 == v { a = $1 } END {
              sub(/^linux-headers-/, "", a); print a }')
fi

if [ -z "$abi" ]; then
    echo "kernel-abi: headers and source disagree: linux-source-6.1 is $version," >&2
    echo "kernel-abi: but no installed linux-headers-*-amd64 has that version." >&2
    echo "kernel-abi: installed headers:" >&2
    echo "${headers:-    (none)}" | sed 's/^/kernel-abi:     /' >&2
    die "run tools/setup.sh, which installs matching linux-source-6.1 and linux-headers-amd64"
fi
[ -f "/usr/src/linux-headers-$abi/Makefile" ] \
    || die "/usr/src/linux-headers-$abi is missing although its package is installed"

echo "$abi $version"
