#!/bin/bash
# L3DSR end to end, IPv4 and IPv6, with the real Open vSwitch daemons of a
# build tree on the userspace datapath and real TCP (HTTP) traffic.
#
# Usage: utilities/l3dsr-demo.sh OVS_BUILD_DIR     (as root)
#
#   l3d-client --- [l3d-lb] ======= [l3d-srv] --- l3d-server
#                  LB: stock actions  server: set_daddr_on_dscp
#                  \___ namespace l3d-ovs: ovs-vswitchd, ports ___/
#
# The client sends to a VIP.  Bridge l3d-lb plays an L3DSR load balancer with
# stock actions: destination := the server's real address (RIP), DSCP := the
# VIP's DSCP.  Bridge l3d-srv turns the destination back into the VIP with
# set_daddr_on_dscp, so the server's stack (VIPs on lo) accepts the packet and
# answers the client directly from the VIP.  A control run without the action
# shows that the requests then fail.  Exits non-zero if anything is not as
# expected.  Runs private daemons in a temp dir; never touches a system-wide
# Open vSwitch.  Everything is named l3d* and removed on exit.  ovs-vswitchd
# runs in its own namespace because the userspace datapath creates tap
# devices ("ovs-netdev", one per bridge) whose names would collide with any
# other userspace-datapath ovs-vswitchd (e.g. OVS system tests) on the host.
set -euo pipefail
exec </dev/null                     # CI runs without stdin; never read it.

die () { echo "l3dsr-demo: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 OVS_BUILD_DIR"
[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, veths, daemons)"
OVS=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory"
for bin in ovsdb/ovsdb-tool ovsdb/ovsdb-server vswitchd/ovs-vswitchd \
           utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl; do
    [ -x "$OVS/$bin" ] || die "$OVS/$bin missing: build Open vSwitch first"
done
for tool in ip ethtool curl python3; do
    command -v $tool >/dev/null || die "$tool is required"
done
export PATH=$OVS/ovsdb:$OVS/vswitchd:$OVS/utilities:$PATH

CLI=l3d-client SRV=l3d-server SW=l3d-ovs    # network namespaces
CLI_IF=l3d-cli-eth CLI_PORT=l3d-cli-p        # client veth (its end, LB port)
SRV_IF=l3d-srv-eth SRV_PORT=l3d-srv-p        # server veth (its end, srv port)
LB_UP=l3d-lb-srv SRV_UP=l3d-srv-lb           # veth joining the two bridges
CLI4=10.66.0.1 RIP4=10.66.0.2 CLI6=fc00:66::1 RIP6=fc00:66::2
VIP4A=72.30.38.140 VIP4B=98.139.183.24 VIP6=fc00:1000:0:6::10
TMPL=${TMPDIR:-/tmp}/l3dsr-demo.XXXXXX      # run dirs, also found by cleanup

# Stops what a run (this one or an interrupted earlier one) left: the HTTP
# server, the daemons of any l3dsr-demo run dir, namespaces, veths, dirs.
# (The names are fixed, so only one demo can run at a time anyway.)
cleanup () {
    local - pid pidfile d
    set +e                          # best effort: remove whatever exists
    if [ -n "${RUN:-}" ] && [ -S "$RUN/db.sock" ]; then
        # Bridges first, while ovs-vswitchd still runs to remove its ports.
        ovs-vsctl --timeout=5 --db="unix:$RUN/db.sock" -- --if-exists \
            del-br l3d-lb -- --if-exists del-br l3d-srv >/dev/null 2>&1
    fi
    for d in "${TMPL%.XXXXXX}".*; do
        [ -d "$d" ] || continue
        for pidfile in "$d/ovs-vswitchd.pid" "$d/ovsdb-server.pid"; do
            [ -s "$pidfile" ] || continue
            pid=$(cat "$pidfile")
            # Only the daemon the pidfile names, only if it still runs.
            case $(cat "/proc/$pid/comm" 2>/dev/null) in
                ovs-vswitchd|ovsdb-server)
                    ovs-appctl --timeout=5 \
                        -t "$d/$(basename "$pidfile" .pid).$pid.ctl" exit \
                        >/dev/null 2>&1 || kill "$pid" 2>/dev/null
                    for _ in 1 2 3 4 5 6 7 8 9 10; do
                        [ -d "/proc/$pid" ] || break; sleep 0.5
                    done
                    kill -9 "$pid" 2>/dev/null ;;
            esac
        done
        rm -rf "$d"
    done
    # Then whatever still runs in our namespaces (HTTP server, lost daemons),
    # and the namespaces, which takes their veths along.
    for d in $CLI $SRV $SW; do
        ip netns pids $d 2>/dev/null | xargs -r kill 2>/dev/null
    done
    sleep 0.2
    for d in $CLI $SRV $SW; do
        ip netns pids $d 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del $d 2>/dev/null
    done
    return 0
}
on_exit () {
    local rc=$? logs
    set +e
    if [ $rc -ne 0 ] && [ -n "${RUN:-}" ]; then
        logs=$(grep -hE '\|(WARN|ERR|EMER)\|' "$RUN"/*.log 2>/dev/null)
        [ -z "$logs" ] || printf 'demo: daemon warnings:\n%s\n' "$logs" |
            tail -n 21
    fi
    cleanup
    exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP        # runs the EXIT trap, then leaves

cleanup                             # leftovers of an interrupted run
RUN=$(mktemp -d "$TMPL")
export OVS_RUNDIR=$RUN OVS_LOGDIR=$RUN OVS_DBDIR=$RUN \
       OVS_SYSCONFDIR=$RUN OVS_PKGDATADIR=$RUN
echo "demo: Open vSwitch build tree $OVS, run directory $RUN"

# --- Daemons: private database and ovs-vswitchd without the kernel datapath.
for ns in $CLI $SRV $SW; do ip netns add $ns; done
ovsdb-tool create "$RUN/conf.db" "$OVS/vswitchd/vswitch.ovsschema"
ovsdb-server "$RUN/conf.db" --remote="punix:$RUN/db.sock" \
    -vconsole:warn --pidfile --detach --log-file
vsctl () { ovs-vsctl --timeout=10 --db="unix:$RUN/db.sock" "$@"; }
vsctl --no-wait init
# --disable-system: netdev bridges only, no kernel datapath.  In namespace
# l3d-ovs, so that its tap devices and ports stay out of the host's way.
ip netns exec $SW ovs-vswitchd "unix:$RUN/db.sock" --disable-system \
    -vconsole:warn --pidfile --detach --log-file

# --- Veths.  In the client and server namespaces no DAD delays, and no
# transmit checksum offload: AF_PACKET (userspace datapath) would forward
# partial checksums that the receiving stack then drops.
for ns in $CLI $SRV; do
    ip -n $ns link set lo up
    ip netns exec $ns sysctl -qw net.ipv6.conf.default.accept_dad=0
done
ip -n $SW link add $CLI_PORT type veth peer name $CLI_IF netns $CLI
ip -n $SW link add $SRV_PORT type veth peer name $SRV_IF netns $SRV
ip -n $SW link add $LB_UP type veth peer name $SRV_UP
for ifc in $CLI_PORT $SRV_PORT $LB_UP $SRV_UP; do
    ip -n $SW link set $ifc up
done
for pair in "$CLI $CLI_IF $CLI4 $CLI6" "$SRV $SRV_IF $RIP4 $RIP6"; do
    set -- $pair
    ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$1" addr add "$4/64" dev "$2" nodad
    ip -n "$1" link set "$2" up
done

# Server: VIPs on lo; answer ARP only for addresses of the asking interface,
# so that it never claims a VIP on the wire (standard DSR server settings).
for vip in $VIP4A/32 $VIP4B/32; do ip -n $SRV addr add $vip dev lo; done
ip -n $SRV addr add $VIP6/128 dev lo nodad
ip netns exec $SRV sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
    net.ipv4.conf.all.arp_announce=2
SRV_MAC=$(ip netns exec $SRV cat "/sys/class/net/$SRV_IF/address")
# Client: the VIPs are on-link, with the server's MAC, as when the client
# sits behind a router that sends VIP traffic to the LB, which forwards it.
for vip in $VIP4A $VIP4B $VIP6; do
    ip -n $CLI route add $vip dev $CLI_IF
    ip -n $CLI neigh replace $vip lladdr "$SRV_MAC" dev $CLI_IF nud permanent
done

# --- Bridges and flows.
vsctl add-br l3d-lb -- set bridge l3d-lb datapath_type=netdev \
    -- add-port l3d-lb $CLI_PORT -- add-port l3d-lb $LB_UP \
    -- add-br l3d-srv -- set bridge l3d-srv datapath_type=netdev \
    -- add-port l3d-srv $SRV_UP -- add-port l3d-srv $SRV_PORT
cat > "$RUN/lb.flows" <<EOF
priority=10,ip,in_port=$CLI_PORT,nw_dst=$VIP4A,actions=mod_nw_dst:$RIP4,mod_nw_tos:4,output:$LB_UP
priority=10,ip,in_port=$CLI_PORT,nw_dst=$VIP4B,actions=mod_nw_dst:$RIP4,mod_nw_tos:8,output:$LB_UP
priority=10,ipv6,in_port=$CLI_PORT,ipv6_dst=$VIP6,actions=set_field:$RIP6->ipv6_dst,mod_nw_tos:40,output:$LB_UP
priority=0,actions=normal
EOF
cat > "$RUN/srv.flows" <<EOF
priority=10,ip,actions=set_daddr_on_dscp(1=$VIP4A,2=$VIP4B),normal
priority=10,ipv6,actions=set_daddr_on_dscp(10=$VIP6),normal
priority=0,actions=normal
EOF
ovs-ofctl replace-flows l3d-lb "$RUN/lb.flows"
ovs-ofctl replace-flows l3d-srv "$RUN/srv.flows"

# --- HTTP server on the server (the dual-stack socket takes IPv4 too).
mkdir "$RUN/www"
echo "hello from l3d-server (RIP $RIP4 / $RIP6) via L3DSR" > "$RUN/www/index.html"
ip netns exec $SRV python3 -m http.server --bind :: --directory "$RUN/www" \
    8080 >"$RUN/http.log" 2>&1 &
for i in $(seq 50); do
    ip netns exec $SRV curl -qsf --noproxy '*' -o /dev/null \
        http://127.0.0.1:8080/ && break
    [ "$i" -lt 50 ] || die "HTTP server did not start: $(cat "$RUN/http.log")"
    sleep 0.2
done

FAILS=() OK=0 BAD=0
fail () { FAILS+=("$*"); echo "  FAILED: $*"; }
# get VIP [TIMEOUT]: one HTTP request from the client to VIP, printing the
# status, the address curl connected to and the body's first line.
get () {
    local host=$1 out
    case $1 in *:*) host="[$1]" ;; esac
    if out=$(ip netns exec $CLI curl -qsS --noproxy '*' --max-time "${2:-5}" \
             -o "$RUN/body" -w '%{http_code} %{remote_ip}' \
             "http://$host:8080/" 2>"$RUN/curl.err"); then
        printf '  %-20s HTTP %s (connected to %s): %s\n' "$1" "${out%% *}" \
            "${out#* }" "$(head -n 1 "$RUN/body")"
        [ "${out%% *}" = 200 ] && [ "${out#* }" = "$1" ]
    else
        printf '  %-20s no answer: %s\n' "$1" "$(head -n 1 "$RUN/curl.err")"
        return 1
    fi
}

echo "== Requests from $CLI to the VIPs (3 each) =="
for vip in $VIP4A $VIP4B $VIP6 $VIP4A $VIP4B $VIP6 $VIP4A $VIP4B $VIP6; do
    if get $vip; then OK=$((OK + 1)); else BAD=$((BAD + 1)); fi
done
echo "  (a completed TCP handshake means the client got its SYN-ACK from the"
echo "   VIP it connected to: the server answered from the VIP, not the RIP)"

# flows BRIDGE MATCH: prints the flows of BRIDGE that MATCH selects and
# checks that they have seen packets.
flows () {
    local out n
    out=$(ovs-ofctl --names dump-flows "$1" "$2" |
          sed 's/cookie=[^ ]* duration=[^ ]* table=0, //; s/idle_age=[^ ]* //')
    echo "${out:-(no such flow)}" | sed "s/^ */    $1: /"
    n=$(echo "$out" | sed -n 's/.*n_packets=\([0-9]*\),.*/\1/p' | head -n 1)
    [ "${n:-0}" -gt 0 ] || fail "no packets on $1 flow $2"
}
# A revalidator round pushes the datapath flows' statistics to OpenFlow.
ovs-appctl revalidator/wait
dpflows=$(ovs-appctl dpctl/dump-flows --names)
for fam in 4 6; do
    echo "== IPv$fam evidence =="
    echo "  OpenFlow flows (load balancer, then server):"
    if [ $fam = 4 ]; then
        flows l3d-lb "ip,nw_dst=$VIP4A"; flows l3d-lb "ip,nw_dst=$VIP4B"
        flows l3d-srv ip; eth=0x0800
    else
        flows l3d-lb "ipv6,ipv6_dst=$VIP6"; flows l3d-srv ipv6; eth=0x86dd
    fi
    echo "  server-side datapath flows that rewrite the destination:"
    # Set actions (or a native datapath action) on packets from the LB.
    sel=$(echo "$dpflows" | grep -F "in_port($SRV_UP)" |
          grep -F "eth_type($eth)" |
          grep -E "set\(ipv$fam\(dst=|daddr_on_dscp" || true)
    [ -n "$sel" ] && echo "$sel" | sed 's/^/    /' ||
        fail "no IPv$fam datapath flow rewriting the destination on l3d-srv"
done

# --- Control: without set_daddr_on_dscp the server gets the packets with
# the RIP as destination; it answers from the RIP, which the client rejects,
# so the request must fail.  Purge the datapath flows so that no cached
# megaflow still rewrites.
echo "== Control: l3d-srv with only actions=normal =="
ovs-ofctl del-flows l3d-srv
ovs-ofctl add-flow l3d-srv priority=0,actions=normal
ovs-appctl revalidator/purge >/dev/null
CONTROL=0
for vip in $VIP4A $VIP6; do
    if get $vip 3; then fail "control request to $vip succeeded"
    else CONTROL=$((CONTROL + 1)); fi
done
echo "== Server flows restored =="
ovs-ofctl replace-flows l3d-srv "$RUN/srv.flows"
ovs-appctl revalidator/purge >/dev/null
for vip in $VIP4B $VIP6; do
    if get $vip; then OK=$((OK + 1)); else BAD=$((BAD + 1)); fi
done

[ $BAD -eq 0 ] || FAILS=("$BAD of $((OK + BAD)) requests failed" "${FAILS[@]}")
if [ ${#FAILS[@]} -eq 0 ]; then
    echo "demo: PASS ($OK requests ok," \
         "$CONTROL control requests refused as expected)"
else
    echo "demo: FAIL ($(printf '%s\n' "${FAILS[@]}" | paste -sd ';' |
                        sed 's/;/; /g'))"
    exit 1
fi
