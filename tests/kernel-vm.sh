#!/bin/bash
# Runs a command as root inside a qemu VM that boots Debian's Linux kernel,
# with a chosen openvswitch.ko loaded.  Used by "make check-kernel".
#
# Usage: tests/kernel-vm.sh [OPTION...] -- COMMAND [ARG...]
#
#   --module FILE   load FILE as openvswitch.ko: it is bind-mounted over
#                   Debian's module in the guest's /lib/modules, so that
#                   "modprobe openvswitch" loads it with the dependencies
#                   of Debian's (the kernel tests reload it for each test)
#   --stock         load Debian's own openvswitch.ko
#   --share DIR     writable share (default: the current directory), at the
#                   same path inside the VM; COMMAND runs in the current
#                   directory, which must be inside it
#   --timeout SEC   stop the VM after SEC seconds (default 1200), status 124
#   --memory MB     guest memory (default 2048)
#   --cpus N        guest CPUs (default: host CPUs, at most 2)
#
# The kernel is linux-image-ABI-amd64, where ABI is what
# datapath/kernel-abi.sh finds (the kernel whose headers the module is built
# against; KERNEL_SERIES=6.12 in the environment picks Linux 6.12's).  Its
# package is downloaded with "apt-get download" and unpacked under
# build/vm/, not installed: the host's own kernel and boot files are not
# touched.  qemu runs with TCG (KVM hangs on this kind of machine).
#
# Inside the VM the host's root file system is mounted read-only over 9p
# and the guest chroots into it, with tmpfs on /tmp, /run, /var/tmp and
# /root, the writable share over 9p, and the kernel's modules on
# /lib/modules/ABI.  The command's output (and the kernel's warnings) are
# streamed on standard output; the script exits with the command's status,
# 124 on timeout, 125 if the VM could not run it.  qemu never outlives the
# script.

set -eu

die () {
    echo "l3dsr-vm: $*" >&2
    exit 125
}

srcdir=$(cd "$(dirname "$0")/.." && pwd)
module= stock=false share=$PWD timeout=1200 memory=2048
cpus=$(nproc 2>/dev/null || echo 1)
[ "$cpus" -le 2 ] || cpus=2
while [ $# -gt 0 ]; do
    case $1 in
        --module) module=$(realpath "$2") || die "no module $2"; shift 2 ;;
        --stock) stock=true; shift ;;
        --share) share=$(realpath "$2"); shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --memory) memory=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --) shift; break ;;
        *) die "unknown option $1 (see the usage in $0)" ;;
    esac
done
[ $# -gt 0 ] || die "no command given"
[ -n "$module" ] || $stock || die "give --module FILE or --stock"
[ -z "$module" ] || [ -f "$module" ] || die "$module not found"
case $PWD/ in
    "$share"/*) ;;
    *) die "the current directory $PWD is not inside the share $share" ;;
esac
[ "$(id -u)" = 0 ] || die "must run as root (the guest uses the host's files as root)"
command -v qemu-system-x86_64 > /dev/null || die "qemu-system-x86_64 not found: install qemu-system-x86"
[ -x /bin/busybox ] || die "/bin/busybox not found: install busybox-static"

abiline=$("$srcdir/datapath/kernel-abi.sh") || die "no kernel ABI"
read -r abi version <<EOF
$abiline
EOF

# The kernel: Debian's package for the ABI, unpacked, with its module index.
vmdir=${L3DSR_VM_DIR:-$srcdir/build/vm}/$abi
root=$vmdir/root
# make check-kernel starts two VMs at once: the first prepares the kernel
# and the initramfs, the other waits for it.
mkdir -p "$vmdir"
exec 9> "$vmdir/.prepare.lock"
flock 9
if [ ! -f "$root/.l3dsr-ok" ]; then
    pkg=linux-image-${abi}
    deb=/var/cache/apt/archives/${pkg}_${version}_amd64.deb
    if [ ! -f "$deb" ]; then
        deb=$(ls "$vmdir"/${pkg}_*.deb 2>/dev/null | head -n 1) || true
    fi
    if [ -z "$deb" ] || [ ! -f "$deb" ]; then
        echo "l3dsr-vm: downloading $pkg $version"
        (cd "$vmdir" && apt-get download -q "$pkg=$version" 2>&1 \
             | grep -v 'Download is performed unsandboxed') \
            || die "cannot download $pkg=$version"
        deb=$(ls "$vmdir"/${pkg}_*.deb | head -n 1)
    fi
    [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] \
        || die "$deb is not version $version"
    rm -rf "$root"
    dpkg-deb -x "$deb" "$root"
    depmod -b "$root" "$abi"
    rm -f "$vmdir"/${pkg}_*.deb
    touch "$root/.l3dsr-ok"
fi
kernel=$root/boot/vmlinuz-$abi
moddir=$root/lib/modules/$abi
# Debian's openvswitch.ko, compressed (.ko.xz) in later kernels: kmod
# recognises the format by its contents, so the module to test can be
# bound over it as it is.
ovs_ko=$(cd "$moddir" && ls kernel/net/openvswitch/openvswitch.ko*) \
    || die "no openvswitch module in $moddir"

# The initramfs: busybox and the modules needed to mount the 9p shares.
initrd=$vmdir/initrd.img
if [ ! -f "$initrd" ] || [ "$0" -nt "$initrd" ] \
       || [ "$root/.l3dsr-ok" -nt "$initrd" ]; then
    tmp=$(mktemp -d)
    mkdir -p "$tmp/bin" "$tmp/sbin" "$tmp/modules" "$tmp/proc" "$tmp/sys" \
        "$tmp/dev" "$tmp/newroot" "$tmp/ctl"
    cp /bin/busybox "$tmp/bin/busybox"
    for m in virtio_pci 9pnet_virtio 9p; do
        modprobe -d "$root" -S "$abi" --show-depends "$m" \
            | awk '$1 == "insmod" { print $2 }'
    done | awk '!seen[$0]++' > "$tmp/list"
    # busybox's insmod takes uncompressed modules only (6.12's are .ko.xz).
    while read -r ko; do
        name=$(basename "$ko")
        case $name in
            *.ko.xz) name=${name%.xz}; xz -dc "$ko" > "$tmp/modules/$name" ;;
            *.ko.zst) name=${name%.zst}; zstd -qdc "$ko" > "$tmp/modules/$name" ;;
            *) cp "$ko" "$tmp/modules/" ;;
        esac
        echo "$name" >> "$tmp/modules/order"
    done < "$tmp/list"
    rm "$tmp/list"
    # Run by the kernel for module autoloading, in the initramfs' root.
    cat > "$tmp/sbin/modprobe-chroot" <<'EOF'
#!/bin/busybox sh
exec /bin/busybox chroot /newroot /sbin/modprobe "$@"
EOF
    cat > "$tmp/init" <<'EOF'
#!/bin/busybox sh
# ovs-l3dsr VM init: mounts the host's root read-only and the shares, runs
# /ctl/cmd.sh in a chroot, writes its status to /ctl/status, powers off.
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
fail () {
    echo "l3dsr-vm init: $*"
    $B poweroff -f
}
while read -r m; do
    $B insmod "/modules/$m" || fail "cannot load $m"
done < /modules/order
opts=trans=virtio,version=9p2000.L,msize=262144
$B mount -t 9p -o "$opts" ctl /ctl || fail "cannot mount the control share"
. /ctl/vm.conf
$B mount -t 9p -o "$opts,ro,cache=loose" host /newroot \
    || fail "cannot mount the host's root"
N=/newroot
$B mount -t proc proc $N/proc
$B mount -t sysfs sysfs $N/sys
$B mount -t devtmpfs devtmpfs $N/dev
$B mkdir -p $N/dev/pts $N/dev/shm
$B mount -t devpts devpts $N/dev/pts
$B mount -t tmpfs tmpfs $N/dev/shm
# What udev would add: bash's process substitution needs /dev/fd.
$B ln -sf /proc/self/fd $N/dev/fd
$B mount -t tmpfs tmpfs $N/sys/fs/cgroup 2>/dev/null
$B mount -t debugfs debugfs $N/sys/kernel/debug 2>/dev/null
# The tmpfs mounts would hide this tree if it is under one of them (a
# clone in /tmp): keep a view of it, to bind back afterwards.
$B mkdir -p /srctree
$B mount --bind "$N$L3DSR_SRCDIR" /srctree || fail "cannot see $L3DSR_SRCDIR"
for d in /tmp /run /var/tmp /root; do
    $B mount -t tmpfs -o mode=1777 tmpfs "$N$d" || fail "cannot mount $d"
done
$B mkdir -p "$N$L3DSR_SRCDIR"
$B mount --bind /srctree "$N$L3DSR_SRCDIR" || fail "cannot bind $L3DSR_SRCDIR"
$B chmod 700 $N/root
# Only the guest writes to the share while it runs, so it can cache it:
# without a page cache, every exec of a binary reads it over 9p again.
$B mkdir -p "$N$L3DSR_SHARE"
$B mount -t 9p -o "$opts,cache=loose" work "$N$L3DSR_SHARE" \
    || fail "cannot mount the share"
$B mkdir -p $N/run/l3dsr-vm
$B mount --bind /ctl $N/run/l3dsr-vm
$B mount -t tmpfs tmpfs $N/lib/modules
$B mkdir -p "$N/lib/modules/$L3DSR_ABI"
$B mount --bind "$N$L3DSR_MODDIR" "$N/lib/modules/$L3DSR_ABI"
echo /sbin/modprobe-chroot > /proc/sys/kernel/modprobe
$B hostname l3dsr-vm
$B ip link set lo up
$B stty -F /dev/console -onlcr 2>/dev/null
$B chroot $N /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root TERM=dumb LANG=C.UTF-8 /bin/bash /run/l3dsr-vm/cmd.sh
echo $? > /ctl/status
$B sync
$B umount "$N$L3DSR_SHARE" 2>/dev/null
$B poweroff -f
EOF
    chmod +x "$tmp/init" "$tmp/sbin/modprobe-chroot"
    (cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    rm -rf "$tmp"
fi
flock -u 9
exec 9>&-

# The control share: the configuration and the command, and the status.
ctl=$(mktemp -d "${TMPDIR:-/tmp}/l3dsr-vm.XXXXXX")
qemu_pid=
cleanup () {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null || true
        sleep 1
        kill -9 "$qemu_pid" 2>/dev/null || true
    fi
    rm -rf "$ctl"
}
trap cleanup EXIT
trap 'echo "l3dsr-vm: interrupted"; exit 130' INT TERM HUP

cat > "$ctl/vm.conf" <<EOF
L3DSR_ABI='$abi'
L3DSR_SHARE='$share'
L3DSR_SRCDIR='$srcdir'
L3DSR_MODDIR='$moddir'
EOF

{
    echo 'exec 2>&1'
    echo 'echo "l3dsr-vm: booted $(uname -r) in $(cut -d" " -f1 /proc/uptime) s"'
    # libcrc32c needs a crc32c implementation, which it does not request.
    echo 'modprobe crc32c_generic && modprobe libcrc32c || exit 125'
    if [ -n "$module" ]; then
        # The module goes where Debian's is, so that every "modprobe
        # openvswitch" (the kernel tests unload and reload it for each
        # test) loads it, with the dependencies that modules.dep lists for
        # Debian's.
        printf 'mount --bind %q /lib/modules/%s/%s || exit 125\n' \
            "$module" "$abi" "$ovs_ko"
    fi
    echo 'modprobe openvswitch || exit 125'
    if [ -n "$module" ]; then
        # Only a module built out of tree taints the kernel with "O".
        echo 'grep -q O /sys/module/openvswitch/taint || { echo "l3dsr-vm: Debian'"'"'s openvswitch.ko got loaded"; exit 125; }'
        printf 'echo %q\n' "l3dsr-vm: loaded $module"
    else
        echo 'grep -q O /sys/module/openvswitch/taint && { echo "l3dsr-vm: an out-of-tree openvswitch.ko got loaded"; exit 125; }'
        echo "echo \"l3dsr-vm: loaded Debian's openvswitch.ko\""
    fi
    printf 'cd %q || exit 125\n' "$PWD"
    printf 'exec'
    printf ' %q' "$@"
    echo
} > "$ctl/cmd.sh"

echo "l3dsr-vm: booting $abi ($cpus CPUs, $memory MB, timeout ${timeout} s)"
# mitigations=off: the guest only runs tests, and without the kernel's
# speculative-execution defences TCG ran the same kernel tests 10 % faster
# (256 s instead of 284 s).
qemu-system-x86_64 -accel tcg -cpu max -smp "$cpus" -m "$memory" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial stdio -monitor none \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init rcupdate.rcu_expedited=1 mitigations=off" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$share,mount_tag=work,security_model=none,multidevs=remap" \
    -virtfs "local,path=$ctl,mount_tag=ctl,security_model=none" \
    < /dev/null > >(sed -u 's/\r$//') 2>&1 &
qemu_pid=$!

deadline=$(( $(date +%s) + timeout ))
while kill -0 "$qemu_pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "l3dsr-vm: timeout after $timeout s, stopping the VM"
        cleanup
        trap - EXIT
        exit 124
    fi
    sleep 1
done
wait "$qemu_pid" || true
qemu_pid=
sleep 0.2   # Let the output filter drain.

if [ ! -f "$ctl/status" ]; then
    echo "l3dsr-vm: the VM stopped without reporting a status (kernel panic?)"
    exit 125
fi
status=$(cat "$ctl/status")
echo "l3dsr-vm: exit status $status"
exit "$status"
