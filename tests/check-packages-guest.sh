#!/bin/bash
# The checks of "make check-packages" inside the booted Debian root (run at
# boot by l3dsr-check.service, see tests/check-packages.sh).  Boot 1 sets up
# a bridge, the ovs-l3dsr configuration and the client, checks, and
# reboots; boot 2 checks that everything came back by itself, then powers
# off.  Every line goes to the serial console; the last one is
# "l3dsr-check: boot N: PASS" or "... FAIL (reason)".
#
# The client namespace "lb" plays the load balancer: it sends to the real
# server's address 10.0.0.2 (2001:db8:0:1::2) with the DSCP of the VIP
# (DSCP 1, TOS 0x04), as a load balancer does after its rewrite; the host's
# flow must turn the destination into the VIP, and the host answers from
# the VIP.

set -u
stage_file=/var/lib/l3dsr-check/stage
mkdir -p /var/lib/l3dsr-check
stage=$(cat "$stage_file" 2>/dev/null || echo 1)
failed=

say () { echo "l3dsr-check: $*"; }
check () {
    local what=$1
    shift
    if "$@" > /tmp/check.out 2>&1; then
        say "ok: $what"
    else
        say "FAILED: $what"
        sed 's/^/    /' /tmp/check.out
        failed="$failed; $what"
    fi
}
# answers_from ADDR PING_ARG...: the client pings with PING_ARG... and the
# answer comes from ADDR.
answers_from () {
    local from=$1
    shift
    ip netns exec lb ping -W 2 "$@" | tee /dev/stderr | grep -q "from $from"
}
finish () {
    if [ -z "$failed" ]; then
        say "boot $stage: PASS"
    else
        say "boot $stage: FAIL (${failed#; })"
    fi
}

say "boot $stage: kernel $(uname -r)"
check "openvswitch-switch active" systemctl is-active openvswitch-switch
check "ovs-l3dsr active" systemctl is-active ovs-l3dsr
check "the bridge of Debian's packages kept" ovs-vsctl br-exists br-debian
check "dkms status: installed" sh -c \
    "dkms status | tee /dev/stderr | grep -q \"^openvswitch-l3dsr/.*, $(uname -r), x86_64: installed\""

if [ "$stage" = 1 ]; then
    ovs-vsctl --may-exist add-br br0 -- --may-exist add-port br0 veth-lb
    cat > /etc/dsr.d/test.conf <<'EOF'
192.0.2.10=1
2001:db8::10=1
EOF
    echo 'OVS_L3DSR_OPTS="-b br0 --in-port=veth-lb"' >> /etc/default/ovs-l3dsr
    check "systemctl restart ovs-l3dsr" systemctl restart ovs-l3dsr
    sleep 2
fi
# The server's own addresses: the operator's network configuration, not
# ovs-l3dsr's, so the test sets them at each boot (as it creates the client
# in l3dsr-check-net.service).
ip addr replace 10.0.0.2/24 dev br0
ip addr replace 2001:db8:0:1::2/64 dev br0 nodad
ip link set br0 up
sleep 1

# The module is loaded once a bridge exists.
# (Debian's modules have no srcversion: the loaded module is told by its
# symbols.)
check "loaded openvswitch.ko is the DKMS one" sh -c \
    'modinfo -n openvswitch | grep -q /updates/dkms/ &&
     grep -q "ovs_daddr_on_dscp_execute.*\[openvswitch\]" /proc/kallsyms &&
     grep -q "ovs_hmark_execute.*\[openvswitch\]" /proc/kallsyms'
check "datapath probe: set_daddr_on_dscp" \
    grep -q 'Datapath supports set_daddr_on_dscp action' /var/log/openvswitch/ovs-vswitchd.log
check "datapath probe: hmark" \
    grep -q 'Datapath supports hmark action' /var/log/openvswitch/ovs-vswitchd.log
check "flows of ovs-l3dsr on br0" sh -c \
    'ovs-ofctl dump-flows br0 | tee /dev/stderr | grep -c set_daddr_on_dscp | grep -qx 2'
check "VIPs on lo" sh -c \
    'ip addr show dev lo | grep -q "192.0.2.10/32" && ip addr show dev lo | grep -q "2001:db8::10/128"'
check "ovs-l3dsr check" ovs-l3dsr check
check "IPv4: answer from the VIP" \
    answers_from 192.0.2.10 -c 3 -Q 0x04 10.0.0.2
check "IPv6: answer from the VIP" \
    answers_from 2001:db8::10 -6 -c 3 -Q 0x04 2001:db8:0:1::2
check "kernel datapath flow with set_daddr_on_dscp" sh -c \
    'ovs-appctl dpctl/dump-flows -m | tee /dev/stderr | grep -q set_daddr_on_dscp'
check "no DSCP: answer from the server's own address" \
    answers_from 10.0.0.2 -c 1 10.0.0.2

# A changed /etc/dsr.d, applied by "systemctl reload": the new VIP is
# served, the ones that stay keep their flows and addresses.
if [ "$stage" = 2 ]; then
    echo '192.0.2.11=2' >> /etc/dsr.d/test.conf
    check "systemctl reload ovs-l3dsr" systemctl reload ovs-l3dsr
    sleep 2
    check "reload: 3 flows of ovs-l3dsr on br0" sh -c \
        'ovs-ofctl dump-flows br0 | grep -c set_daddr_on_dscp | grep -qx 3'
    check "reload: the new VIP on lo, the others kept" sh -c \
        'ip addr show dev lo | grep -q "192.0.2.11/32" &&
         ip addr show dev lo | grep -q "192.0.2.10/32" &&
         ip addr show dev lo | grep -q "2001:db8::10/128"'
    check "reload: the new VIP (DSCP 2) answers" \
        answers_from 192.0.2.11 -c 2 -Q 0x08 10.0.0.2
    check "reload: the kept VIP (DSCP 1) answers" \
        answers_from 192.0.2.10 -c 2 -Q 0x04 10.0.0.2
fi

say "boot $stage: checks done $(cut -d ' ' -f 1 /proc/uptime) s after the kernel started"
finish
if [ "$stage" = 1 ]; then
    echo 2 > "$stage_file"
    # Boot 2's probe lines must come from boot 2's ovs-vswitchd.
    mv /var/log/openvswitch/ovs-vswitchd.log /var/log/openvswitch/ovs-vswitchd.log.boot1
    systemctl reboot
else
    echo finished > "$stage_file"
    systemctl poweroff
fi
