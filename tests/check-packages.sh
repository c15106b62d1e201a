#!/bin/bash
# "make check-packages": the packages of "make deb" installed as an operator
# installs them, on a fresh Debian 12 root, then that root booted with
# systemd in a qemu VM (TCG).
#
# Usage: tests/check-packages.sh DEBDIR WORKDIR
#
# 1. root: debootstrap of bookworm from Debian's archive (cached, keyed by
#    its inputs, in ${L3DSR_CACHE:-/var/cache/ovs-l3dsr}), copied to
#    WORKDIR/root; in a chroot, apt installs the kernel, headers and
#    linux-source-6.1 of the host's ABI (datapath/kernel-abi.sh), then the
#    packages of DEBDIR with apt (DKMS builds openvswitch.ko during it).
#    Debian's own openvswitch-switch is installed first, with a bridge in
#    its database: ours upgrade it and must keep that bridge.
# 2. DKMS refuses headers of another upload than linux-source-6.1.
# 3. image: the root as an ext4 disk image; boot with systemd as init; the
#    checks of tests/check-packages-guest.sh run as a unit and report on the
#    serial console.
# 4. rollback: on the image as the VM left it, Debian's packages again and
#    the purge of ours: the stock module, the database intact.
# Each step prints its time.  L3DSR_NO_BOOT=1 stops before the boot,
# L3DSR_BOOT_ONLY=1 only boots the image of such a run ("make check" makes
# the image in the background while other tiers run: tests/run-check.sh).

set -eu

die () {
    echo "check-packages: $*" >&2
    exit 1
}

srcdir=$(cd "$(dirname "$0")/.." && pwd)
debdir=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
root=$work/root
image=$work/disk.img
mirror=${L3DSR_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
[ "${L3DSR_PREPARE_ONLY:-}" = 1 ] || ls "$debdir"/ovs-l3dsr_*.deb > /dev/null 2>&1 \
    || die "no packages in $debdir: run make deb"

step_start=0
step () {
    now=$(date +%s)
    [ "$step_start" = 0 ] || echo "check-packages: step took $((now - step_start)) s"
    step_start=$now
    echo "check-packages: === $* ==="
}

read -r abi version <<EOF
$("$srcdir/datapath/kernel-abi.sh")
EOF

# --- 1. the root ---
# The cache holds the debootstrap root with the kernel, headers,
# linux-source-6.1 and dkms installed, keyed by what went into it.
include=systemd-sysv,udev,dbus,kmod,iproute2,iputils-ping,procps,ca-certificates
kernel_pkgs="linux-image-$abi linux-headers-$abi linux-source-6.1=$version dkms initramfs-tools e2fsprogs"
key=$(echo "bookworm $mirror $include $kernel_pkgs initramfs=virtio" | sha256sum | cut -c1-12)
cache=${L3DSR_CACHE:-/var/cache/ovs-l3dsr}/debootstrap-$key

umount_in () {
    for m in dev/pts dev sys proc; do
        if mountpoint -q "$1/$m"; then umount -l "$1/$m"; fi
    done
}
mount_in () {
    mount -t proc proc "$1/proc"
    mount -t sysfs sys "$1/sys"
    mount --bind /dev "$1/dev"
    mount --bind /dev/pts "$1/dev/pts"
}
in_dir () {
    dir=$1
    shift
    chroot "$dir" env DEBIAN_FRONTEND=noninteractive \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"
}
in_root () {
    in_dir "$root" "$@"
}
cleanup () {
    umount_in "$cache.tmp"
    umount_in "$root"
    if mountpoint -q "$work/mnt"; then
        umount_in "$work/mnt"
        umount "$work/mnt"
    fi
}
trap cleanup EXIT

# Prints the names of the bridges in the root's database (read offline).
bridges () {
    in_root ovsdb-tool query /etc/openvswitch/conf.db \
        '["Open_vSwitch",{"op":"select","table":"Bridge","where":[],"columns":["name"]}]' \
        | grep -o '"name":"[^"]*"' | sed 's/"name":"\(.*\)"/\1/' | sort | paste -sd ' '
}

# Our packages' version, and the Debian version they were built from.
ours=$(cd "$debdir" && ls ovs-l3dsr_*.deb 2>/dev/null | sed 's/^ovs-l3dsr_\([^_]*\)_.*/\1/')
debian=${ours%+l3dsr*}
debian_ovs="openvswitch-switch=$debian openvswitch-common=$debian python3-openvswitch=$debian"

# expect_module GLOB WHAT: "modprobe openvswitch" in the root loads a module
# whose path matches GLOB; WHAT says which one is expected.
expect_module () {
    ko=$(in_root modinfo -k "$abi" -n openvswitch)
    echo "  modinfo -n openvswitch: $ko"
    # shellcheck disable=SC2254
    case $ko in
        $1) ;;
        *) die "modprobe openvswitch would load $ko, not $2" ;;
    esac
}

if [ "${L3DSR_BOOT_ONLY:-}" != 1 ]; then
step "root: debootstrap, then kernel $abi, headers and linux-source-6.1 $version, dkms (cached)"
if [ ! -f "$cache/.l3dsr-ok" ]; then
    umount_in "$cache.tmp"
    if [ ! -f "$cache.tmp/.l3dsr-debootstrapped" ]; then
        rm -rf "$cache.tmp"
        mkdir -p "$cache.tmp"
        debootstrap --include="$include" bookworm "$cache.tmp" "$mirror" \
            > "$work/debootstrap.log" 2>&1 \
            || { tail -20 "$work/debootstrap.log"; die "debootstrap failed"; }
        touch "$cache.tmp/.l3dsr-debootstrapped"
    fi
    cat > "$cache.tmp/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${L3DSR_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
EOF
    cp /etc/resolv.conf "$cache.tmp/etc/resolv.conf"
    # The initramfs holds the VM's disk driver and ext4 only: the default
    # one (MODULES=most) takes minutes to unpack and probe under TCG.
    mkdir -p "$cache.tmp/etc/initramfs-tools/conf.d" \
        "$cache.tmp/etc/initramfs-tools/hooks"
    echo MODULES=list > "$cache.tmp/etc/initramfs-tools/conf.d/l3dsr-vm.conf"
    cat > "$cache.tmp/etc/initramfs-tools/hooks/l3dsr-vm" <<'HOOK'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
manual_add_modules ext4
force_load virtio_pci
force_load virtio_blk
HOOK
    chmod 755 "$cache.tmp/etc/initramfs-tools/hooks/l3dsr-vm"
    mount_in "$cache.tmp"
    in_dir "$cache.tmp" apt-get update -q > "$work/apt.log"
    # shellcheck disable=SC2086
    in_dir "$cache.tmp" apt-get install -y -q --no-install-recommends \
        $kernel_pkgs >> "$work/apt.log" 2>&1 \
        || { tail -20 "$work/apt.log"; die "apt-get install of the kernel failed"; }
    in_dir "$cache.tmp" apt-get clean
    umount_in "$cache.tmp"
    touch "$cache.tmp/.l3dsr-ok"
    rm -rf "$cache"
    mv "$cache.tmp" "$cache"
fi
[ "${L3DSR_PREPARE_ONLY:-}" != 1 ] || exit 0

umount_in "$root"
rm -rf "$root"
cp -a "$cache" "$root"
rm -f "$root/.l3dsr-ok"
mount_in "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The host runs Debian's Open vSwitch first, with a bridge in its
# database, as a host that moves to ovs-l3dsr does.
step "apt: Debian's openvswitch-switch $debian, a bridge in its database"
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends $debian_ovs \
    > "$work/install-debian.log" 2>&1 \
    || { tail -20 "$work/install-debian.log"; die "apt-get install of Debian's openvswitch-switch $debian failed"; }
# The database as ovs-ctl makes it at the first start, and a bridge in it,
# with ovsdb-server run in the root just for that.
in_root sh -ec '
    db=/etc/openvswitch/conf.db
    [ -f $db ] || ovsdb-tool create $db /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server $db --remote=punix:/run/l3dsr-db.sock \
        --pidfile=/run/l3dsr-db.pid --unixctl=/run/l3dsr-db.ctl --detach
    ovs-vsctl --db=unix:/run/l3dsr-db.sock --no-wait -- init -- add-br br-debian
    ovs-appctl -t /run/l3dsr-db.ctl exit'
[ "$(bridges)" = br-debian ] || die "no bridge br-debian in the database"

step "apt: our packages $ours over Debian's (DKMS builds openvswitch.ko)"
rm -rf "$root/tmp/debs"
mkdir -p "$root/tmp/debs"
cp "$debdir"/*.deb "$root/tmp/debs/"
debs=$(cd "$root/tmp/debs" && ls openvswitch-common_*.deb openvswitch-switch_*.deb \
           python3-openvswitch_*.deb openvswitch-doc_*.deb ovs-l3dsr_*.deb \
           openvswitch-l3dsr-dkms_*.deb | sed 's|^|/tmp/debs/|')
# shellcheck disable=SC2086
in_root apt-get install -y -q $debs > "$work/install.log" 2>&1 \
    || { tail -40 "$work/install.log"; die "apt-get install of our packages failed"; }
grep -iE 'dkms|openvswitch.ko|Building|Installing' "$work/install.log" | sed 's/^/  /'
in_root dkms status | tee "$work/dkms-status"
grep -q "^openvswitch-l3dsr/.*, $abi, x86_64: installed" "$work/dkms-status" \
    || die "dkms status does not show openvswitch-l3dsr installed for $abi"
expect_module '*/updates/dkms/openvswitch.ko*' "the DKMS module"
in_root dpkg-query -W openvswitch-common openvswitch-switch python3-openvswitch \
    ovs-l3dsr openvswitch-l3dsr-dkms | sed 's/^/  /'
[ "$(bridges)" = br-debian ] \
    || die "the upgrade lost the bridge br-debian: bridges: $(bridges)"
echo "  the upgrade kept /etc/openvswitch/conf.db: bridge br-debian"

# --- 2. DKMS refuses headers of another upload ---
# By default the previous ABI (6.1.0-57-amd64 -> 6.1.0-56-amd64), if the
# archive has its headers.
n=${abi#6.1.0-}
n=${n%-amd64}
other=${L3DSR_OTHER_ABI:-6.1.0-$((n - 1))-amd64}
if ! in_root apt-cache show "linux-headers-$other" > /dev/null 2>&1; then
    echo "check-packages: no linux-headers-$other in the archive: mismatch check skipped"
else
    L3DSR_OTHER_ABI=$other
    step "dkms: headers $L3DSR_OTHER_ABI of another upload are refused"
    # As with any DKMS module that does not build for a kernel, bookworm's
    # dkms (3.0.10) fails that kernel's headers postinst (docs/install.md).
    if in_root apt-get install -y -q --no-install-recommends \
            "linux-headers-$L3DSR_OTHER_ABI" > "$work/apt-other.log" 2>&1; then
        echo "check-packages: linux-headers-$L3DSR_OTHER_ABI installed"
    else
        echo "check-packages: the postinst of linux-headers-$L3DSR_OTHER_ABI" \
             "failed, as expected: dkms autoinstall refused the build"
    fi
    modversion=$(sed -n 's|^openvswitch-l3dsr/\([^,]*\),.*|\1|p' "$work/dkms-status" | head -n 1)
    if in_root dkms build -m openvswitch-l3dsr -v "$modversion" \
            -k "$L3DSR_OTHER_ABI" > "$work/dkms-other.log" 2>&1; then
        die "dkms built openvswitch-l3dsr for $L3DSR_OTHER_ABI against linux-source-6.1 $version"
    fi
    log=$root/var/lib/dkms/openvswitch-l3dsr/$modversion/build/make.log
    grep 'disagree' "$log" | sed 's/^/  /'
    grep -q "headers and source disagree: linux-headers-$L3DSR_OTHER_ABI is .*, linux-source-6.1 is $version" "$log" \
        || die "the refusal does not name both versions (see $log)"
    in_root dkms status | sed 's/^/  /'
    # That kernel keeps the stock module: nothing in its updates/dkms.
    if ls "$root/lib/modules/$L3DSR_OTHER_ABI/updates/dkms/"openvswitch.ko* \
            > /dev/null 2>&1; then
        die "an openvswitch.ko was installed for $L3DSR_OTHER_ABI"
    fi
    in_root dpkg --purge "linux-headers-$L3DSR_OTHER_ABI" \
        "linux-headers-${L3DSR_OTHER_ABI%-amd64}-common" > /dev/null
fi

# --- 3. boot it ---
step "image: guest checks as a systemd unit, ext4 image"
install -m 755 "$srcdir/tests/check-packages-guest.sh" "$root/usr/local/sbin/l3dsr-check"
cat > "$root/etc/systemd/system/l3dsr-check-net.service" <<'EOF'
[Unit]
Description=l3dsr check: the client namespace and its veth to br0
Before=openvswitch-switch.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -ec 'ip netns add lb; ip link add veth-lb type veth peer name eth0 netns lb; ip link set veth-lb up; ip -n lb link set lo up; ip -n lb link set eth0 up; ip -n lb addr add 10.0.0.1/24 dev eth0; ip -n lb addr add 2001:db8:0:1::1/64 dev eth0 nodad; ip -n lb route add default via 10.0.0.2; ip -n lb -6 route add default via 2001:db8:0:1::2'
[Install]
WantedBy=multi-user.target
EOF
cat > "$root/etc/systemd/system/l3dsr-check.service" <<'EOF'
[Unit]
Description=l3dsr check: the checks of make check-packages
After=ovs-l3dsr.service openvswitch-switch.service l3dsr-check-net.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/l3dsr-check
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
[Install]
WantedBy=multi-user.target
EOF
in_root systemctl enable l3dsr-check-net.service l3dsr-check.service > /dev/null 2>&1
# What TCG needs: under it, ovs-ctl takes over a minute to start
# ovsdb-server, beyond systemd's default 90 s.  And what the test does not:
# no console login, no desktop target, no timers of a long-running host, no
# modules that no unit here uses (each modprobe takes seconds).
mkdir -p "$root/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStartSec=15min\n' \
    > "$root/etc/systemd/system.conf.d/l3dsr-vm.conf"
in_root systemctl set-default multi-user.target > /dev/null 2>&1
in_root systemctl mask serial-getty@ttyS0.service getty@tty1.service \
    apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer \
    e2scrub_reap.service fstrim.timer logrotate.timer dpkg-db-backup.timer \
    modprobe@drm.service modprobe@fuse.service modprobe@efi_pstore.service \
    modprobe@dm_mod.service modprobe@loop.service modprobe@configfs.service \
    > /dev/null 2>&1
echo '/dev/vda / ext4 defaults 0 1' > "$root/etc/fstab"
echo l3dsr-host > "$root/etc/hostname"
rm -rf "$root/tmp/debs" "$root/var/cache/apt/archives"/*.deb
kernel=$root/boot/vmlinuz-$abi
initrd=$root/boot/initrd.img-$abi
[ -f "$initrd" ] || die "no $initrd"
cp "$kernel" "$initrd" "$work/"
umount_in "$root"
rm -f "$image"
truncate -s 8G "$image"
mkfs.ext4 -q -F -d "$root" "$image"
if [ "${L3DSR_NO_BOOT:-}" = 1 ]; then
    step "done: the image is ready to boot"
    exit 0
fi
fi
[ -f "$image" ] || die "no $image: run without L3DSR_BOOT_ONLY first"

# The guest reboots itself between the two boots ("systemctl reboot": every
# service stops as on a host); qemu exits at the reset (-no-reboot) and
# starts again, since a reset under TCG now and then hangs the VM.
rm -f "$work/console.log"
for boot in 1 2; do
    step "boot $boot in qemu (TCG), systemd as init"
    timeout "${L3DSR_BOOT_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu max \
        -smp 2 -m 2048 -nodefaults -no-user-config -display none -no-reboot \
        -serial stdio -monitor none \
        -kernel "$work/vmlinuz-$abi" -initrd "$work/initrd.img-$abi" \
        -append "root=/dev/vda rw console=ttyS0 quiet loglevel=4 panic=-1" \
        -drive "file=$image,format=raw,if=virtio" \
        < /dev/null 2>&1 | sed -u 's/\r$//' | tee -a "$work/console.log" \
        | sed -un '/l3dsr-check/p'
    grep -q "l3dsr-check: boot $boot: PASS" "$work/console.log" \
        || die "boot $boot failed (see $work/console.log)"
done

# --- 4. back to Debian's packages, on the image as the VM left it ---
step "rollback: Debian's $debian, purge of ovs-l3dsr and the dkms package"
mkdir -p "$work/mnt"
mount -o loop "$image" "$work/mnt"
root=$work/mnt
mount_in "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# shellcheck disable=SC2086
in_root apt-get install -y -q --allow-downgrades --no-install-recommends \
    $debian_ovs "openvswitch-doc=$debian" > "$work/rollback.log" 2>&1 \
    && in_root apt-get purge -y -q ovs-l3dsr openvswitch-l3dsr-dkms \
    >> "$work/rollback.log" 2>&1 \
    || { tail -20 "$work/rollback.log"; die "the rollback failed"; }
expect_module '*/kernel/net/openvswitch/openvswitch.ko*' "Debian's stock module"
left=$(in_root dkms status)
[ -z "$left" ] || die "dkms status after the purge: $left"
in_root dpkg-query -W openvswitch-switch | sed 's/^/  /'
[ "$(bridges)" = "br-debian br0" ] \
    || die "the rollback changed the bridges: $(bridges)"
echo "  the rollback kept /etc/openvswitch/conf.db: bridges $(bridges)"
umount_in "$root"
umount "$work/mnt"
step "done: PASS"
