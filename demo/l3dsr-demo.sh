#!/bin/bash
# L3DSR end to end, IPv4 and IPv6, with the Open vSwitch daemons of a build
# tree on the userspace datapath (or the kernel one, below), two real
# servers configured by ovs-l3dsr, real HTTP traffic, and Path MTU
# Discovery through the load balancer.
#
# Usage: [DATAPATH=userspace|kernel] demo/l3dsr-demo.sh OVS_BUILD_DIR  (as root)
#
# DATAPATH=userspace (the default) runs on the host.  DATAPATH=kernel runs
# the same scenario on the kernel datapath with the patched openvswitch.ko
# (L3DSR_MODULE, default build/datapath/openvswitch.ko), inside a qemu VM
# (tests/kernel-vm.sh) so that the host's own module is never replaced;
# under TCG every limit of the demo is multiplied by L3DSR_DEMO_SLOWDOWN
# (default 4 there).
#
#  l3d-client - l3d-isp =MTU 1280= l3d-gw -+---------+
#  10.66.1.1    router             router  | l3d-net |-- [l3d-s1] -- l3d-srv1
#  fc00:66:1::1                    .0.254  | (the    |   set_daddr_  RIP .11
#                                          | network:|   on_dscp     VIPs on lo
#  [l3d-lb] ------------------------------ | a plain |
#  the load balancer                       | switch) |-- [l3d-s2] -- l3d-srv2
#  (one arm, stock actions)                +---------+                RIP .12
#  \__ all bridges [...]: one ovs-vswitchd in namespace l3d-ovs __/
#
# The client sends to a VIP, through two routers, the second of which (the
# site's gateway l3d-gw) routes the VIPs to the load balancer (bridge l3d-lb,
# stock OpenFlow actions).  For each VIP the load balancer sets that VIP's
# DSCP, and a select group picks a server by a hash of the connection's
# addresses and ports: it rewrites the destination IP and MAC to that
# server's and sends the packet back into the network.  Each server's
# traffic goes through its own bridge, where the flows that ovs-l3dsr
# configured from dsr.conf turn the destination back into the VIP.  The
# server answers from the VIP, straight to the client through l3d-gw: the
# answers never pass the load balancer, whose counters show the requests
# only.
#
# Path MTU Discovery: the link between the two routers has an MTU of 1280,
# the client's own link 1500, so the client offers an MSS that does not fit
# that link.  l3d-gw answers each too big packet of a server with an ICMP
# "fragmentation needed" (IPv4) or ICMPv6 "packet too big", addressed to the
# packet's source: the VIP, which it routes to the load balancer.  Hashed
# like other packets, such a message would reach one server, seldom the one
# whose connection needs it; so the load balancer sends it to every server
# of the VIP, with an OpenFlow group of type "all", each copy marked and
# rewritten as a request would be.  The server whose connection it is lowers
# the path MTU and sends smaller segments; the others ignore it.  No PMTU
# blackhole workaround is enabled (net.ipv4.tcp_mtu_probing=0, no MSS
# clamping), so large transfers depend on these messages: the demo fetches
# 1 MiB from each VIP, then shows that without the fan-out some transfers
# stall.
#
# Runs private daemons in a temporary directory, never touches a system-wide
# Open vSwitch, names everything l3d*, removes everything on exit and exits
# non-zero if anything is not as expected.  ovs-vswitchd and its ports are in
# a namespace of their own, because the userspace datapath creates tap
# devices ("ovs-netdev", one per bridge) whose names would collide with
# those of any other userspace-datapath ovs-vswitchd on the host (e.g. the
# Open vSwitch system tests).
set -euo pipefail
exec </dev/null                     # CI runs without stdin; never read it.

die () { echo "l3dsr-demo: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 OVS_BUILD_DIR"
[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, veths, daemons)"
OVS=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory"
SLOW=1                                  # multiplies the demo's time limits
case ${DATAPATH:-userspace} in
    userspace) DP_TYPE=netdev ;;
    kernel)
        DP_TYPE=system
        if [ -z "${L3DSR_DEMO_IN_VM:-}" ]; then
            here=$(cd "$(dirname "$0")" && pwd)
            module=${L3DSR_MODULE:-$here/../build/datapath/openvswitch.ko}
            [ -f "$module" ] || die "$module missing: run make modules"
            cd "$OVS"
            exec "$here/../tests/kernel-vm.sh" --module "$module" \
                --share "$OVS" --timeout 1800 -- \
                env DATAPATH=kernel L3DSR_DEMO_IN_VM=1 \
                L3DSR_DEMO_SLOWDOWN="${L3DSR_DEMO_SLOWDOWN:-4}" \
                bash "$here/l3dsr-demo.sh" "$OVS"
        fi
        SLOW=${L3DSR_DEMO_SLOWDOWN:-1}
        ;;
    *) die "DATAPATH=$DATAPATH: the datapath is userspace or kernel" ;;
esac
for bin in ovsdb/ovsdb-tool ovsdb/ovsdb-server vswitchd/ovs-vswitchd \
           utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl \
           utilities/ovs-l3dsr; do
    [ -x "$OVS/$bin" ] || die "$OVS/$bin missing: build Open vSwitch first"
done
for tool in ip ethtool curl tcpdump; do
    command -v $tool >/dev/null || die "$tool is required"
done
PYTHON=/usr/bin/python3
[ -x $PYTHON ] || PYTHON=$(command -v python3) || die "python3 is required"
export PATH=$OVS/ovsdb:$OVS/vswitchd:$OVS/utilities:$PATH

NAMESPACES="l3d-client l3d-isp l3d-gw l3d-srv1 l3d-srv2 l3d-ovs"
SW=l3d-ovs                              # namespace of ovs-vswitchd
CLI4=10.66.1.1 CLI6=fc00:66:1::1        # the client, behind l3d-isp
ISP4=10.66.1.254 ISP6=fc00:66:1::fe     # l3d-isp on the client's link
WAN4_ISP=10.66.2.1 WAN6_ISP=fc00:66:2::1 # the narrow link: l3d-isp's end
WAN4_GW=10.66.2.2 WAN6_GW=fc00:66:2::2  # and l3d-gw's end
WAN_MTU=1280                            # the narrow link's MTU
GW4=10.66.0.254 GW6=fc00:66::fe GW_MAC=02:00:00:00:00:fd # l3d-gw, site side
LB_MAC=02:00:00:00:00:fe                # the load balancer's own MAC
RIP4_1=10.66.0.11 RIP6_1=fc00:66::11 MAC_1=02:00:00:00:00:11
RIP4_2=10.66.0.12 RIP6_2=fc00:66::12 MAC_2=02:00:00:00:00:12
VIP4A=72.30.38.140 VIP4B=98.139.183.24 VIP6=fc00:1000:0:6::10
TMPL=${TMPDIR:-/tmp}/l3dsr-demo.XXXXXX  # run dirs, also found by cleanup

# Stops what a run (this one or an interrupted earlier one) left: the
# daemons of any l3dsr-demo run dir, whatever runs in our namespaces (HTTP
# servers, tcpdump), the namespaces (which take their veths along), dirs.
cleanup () {
    local - pid pidfile d ns
    set +e                          # best effort: remove whatever exists
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
    for ns in $NAMESPACES; do
        ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
    done
    sleep 0.2
    for ns in $NAMESPACES; do
        ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del $ns 2>/dev/null
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

FAILS=()
fail () { FAILS+=("$*"); echo "  FAILED: $*"; }
in_ns () { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cleanup                             # leftovers of an interrupted run
RUN=$(mktemp -d "$TMPL")
export OVS_RUNDIR=$RUN OVS_LOGDIR=$RUN OVS_DBDIR=$RUN \
       OVS_SYSCONFDIR=$RUN OVS_PKGDATADIR=$RUN
echo "demo: Open vSwitch build tree $OVS, run directory $RUN"

# --- Daemons: a private database, ovs-vswitchd in its own namespace.
for ns in $NAMESPACES; do
    ip netns add $ns
    ip -n $ns link set lo up
    in_ns $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 \
        net.ipv6.conf.default.accept_dad=0
done
for ns in l3d-isp l3d-gw; do
    in_ns $ns sysctl -qw net.ipv4.ip_forward=1 \
        net.ipv6.conf.all.forwarding=1
done
# No PMTU blackhole detection on the servers (the kernel's default, set here
# so that no host setting hides a lost ICMP message): a server sends
# full-sized segments until an ICMP message tells it the path's MTU.
for ns in l3d-srv1 l3d-srv2; do
    in_ns $ns sysctl -qw net.ipv4.tcp_mtu_probing=0
done
ovsdb-tool create "$RUN/conf.db" "$OVS/vswitchd/vswitch.ovsschema"
ovsdb-server "$RUN/conf.db" --remote="punix:$RUN/db.sock" \
    -vconsole:warn --pidfile --detach --log-file
vsctl () { ovs-vsctl --timeout=10 --db="unix:$RUN/db.sock" "$@"; }
vsctl --no-wait init
system_dp=--disable-system
[ $DP_TYPE = netdev ] || system_dp=
in_ns $SW ovs-vswitchd "unix:$RUN/db.sock" $system_dp \
    -vconsole:warn --pidfile --detach --log-file

# --- Links.  veth HOST_IF (in namespace HOST) <-> PORT (in l3d-ovs).  On
# the userspace datapath, no transmit checksum offload anywhere: it reads
# packets with AF_PACKET and would forward partial checksums that the
# receiving stack then drops.  The kernel datapath keeps the offload, as
# on a real host, so that its actions see partial checksums.
no_tx_offload () {
    [ $DP_TYPE = system ] || in_ns "$1" ethtool -K "$2" tx off >/dev/null
}
veth () {
    local host=$1 host_if=$2 port=$3
    ip -n $SW link add "$port" type veth peer name "$host_if" netns "$host"
    no_tx_offload $SW "$port"
    no_tx_offload "$host" "$host_if"
    ip -n $SW link set "$port" up
    ip -n "$host" link set "$host_if" up
}
veth l3d-gw l3d-gw-net l3d-net-gw          # the site's router
veth l3d-srv1 l3d-s1-eth l3d-s1-p
veth l3d-srv2 l3d-s2-eth l3d-s2-p
veth $SW l3d-lb-net l3d-net-lb          # the load balancer's one arm
veth $SW l3d-s1-up l3d-net-s1           # server 1's bridge uplink
veth $SW l3d-s2-up l3d-net-s2           # server 2's bridge uplink

# addrs NS DEV IPV4 IPV6: gives DEV of NS an IPv4 /24 and an IPv6 /64.
addrs () {
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$1" addr add "$4/64" dev "$2" nodad
}
# default_routes NS IPV4 IPV6: NS's default routes, both families.
default_routes () {
    ip -n "$1" route add default via "$2"
    ip -n "$1" -6 route add default via "$3"
}
host_addrs () {
    local ns=$1 ifc=$2 mac=$3 ip4=$4 ip6=$5
    ip -n $ns link set $ifc address $mac
    addrs $ns $ifc $ip4 $ip6
}
host_addrs l3d-gw l3d-gw-net $GW_MAC $GW4 $GW6
host_addrs l3d-srv1 l3d-s1-eth $MAC_1 $RIP4_1 $RIP6_1
host_addrs l3d-srv2 l3d-s2-eth $MAC_2 $RIP4_2 $RIP6_2
for ns in l3d-srv1 l3d-srv2; do
    default_routes $ns $GW4 $GW6
done

# The routers and the client: plain veth pairs, no Open vSwitch.  The
# narrow link between the routers has the smaller MTU at both ends; the
# client's link has 1500, so the client offers an MSS of 1460 (IPv4) and
# 1440 (IPv6) that only Path MTU Discovery can correct.
router_link () {
    local ns1=$1 if1=$2 ns2=$3 if2=$4 mtu=$5
    ip -n "$ns1" link add "$if1" mtu "$mtu" type veth \
        peer name "$if2" mtu "$mtu" netns "$ns2"
    no_tx_offload "$ns1" "$if1"
    no_tx_offload "$ns2" "$if2"
    ip -n "$ns1" link set "$if1" up
    ip -n "$ns2" link set "$if2" up
}
router_link l3d-client l3d-cli-eth l3d-isp l3d-isp-cli 1500
router_link l3d-isp l3d-isp-wan l3d-gw l3d-gw-wan $WAN_MTU
addrs l3d-client l3d-cli-eth $CLI4 $CLI6
default_routes l3d-client $ISP4 $ISP6
addrs l3d-isp l3d-isp-cli $ISP4 $ISP6
addrs l3d-isp l3d-isp-wan $WAN4_ISP $WAN6_ISP
default_routes l3d-isp $WAN4_GW $WAN6_GW
addrs l3d-gw l3d-gw-wan $WAN4_GW $WAN6_GW
default_routes l3d-gw $WAN4_ISP $WAN6_ISP

# l3d-gw sends the VIPs' traffic to the load balancer: the VIPs are on-link
# on its site side, with the LB's MAC.  This also takes the ICMP messages
# that l3d-gw sends to a VIP there.
for vip in $VIP4A $VIP4B $VIP6; do
    ip -n l3d-gw route add $vip dev l3d-gw-net
    ip -n l3d-gw neigh replace $vip lladdr $LB_MAC dev l3d-gw-net \
        nud permanent
done

# --- Bridges: the network, the load balancer, one bridge per server.
vsctl add-br l3d-net -- set bridge l3d-net datapath_type=$DP_TYPE \
    -- add-port l3d-net l3d-net-gw -- add-port l3d-net l3d-net-lb \
    -- add-port l3d-net l3d-net-s1 -- add-port l3d-net l3d-net-s2 \
    -- add-br l3d-lb -- set bridge l3d-lb datapath_type=$DP_TYPE \
       fail_mode=secure -- add-port l3d-lb l3d-lb-net \
    -- add-br l3d-s1 -- set bridge l3d-s1 datapath_type=$DP_TYPE \
    -- add-port l3d-s1 l3d-s1-up -- add-port l3d-s1 l3d-s1-p \
    -- add-br l3d-s2 -- set bridge l3d-s2 datapath_type=$DP_TYPE \
    -- add-port l3d-s2 l3d-s2-up -- add-port l3d-s2 l3d-s2-p

# The load balancer, with stock actions only.  A select group per family
# picks a server by a hash of the connection's addresses and ports (every
# packet of a connection goes to the same server, new connections spread),
# and rewrites the destination IP and MAC to the server's, the source MAC to
# the LB's own, and sends the packet back out of its one port.  A flow per
# VIP sets the VIP's DSCP first.  Packets from a VIP (answers) have flows of
# their own, so that their counters show that none comes this way.
#
# ICMP "fragmentation needed" (type 3, code 4) and ICMPv6 "packet too big"
# (type 2) for a VIP go to every server instead: a group of type "all" per
# family, with the same buckets, sends a copy to each, marked with the VIP's
# DSCP and rewritten to the server's RIP as a request would be.  A hash of
# such a message (whose source is a router) would pick a server that has
# nothing to do with the connection the message is about.
bucket4 () {
    echo "bucket=bucket_id:$1,actions=mod_dl_src:$LB_MAC,mod_dl_dst:$2,mod_nw_dst:$3,in_port"
}
bucket6 () {
    echo "bucket=bucket_id:$1,actions=mod_dl_src:$LB_MAC,mod_dl_dst:$2,set_field:$3->ipv6_dst,in_port"
}
cat > "$RUN/lb.groups" <<EOF
group_id=4,type=select,selection_method=hash,fields(ip_src,ip_dst,tcp_src,tcp_dst),$(bucket4 1 $MAC_1 $RIP4_1),$(bucket4 2 $MAC_2 $RIP4_2)
group_id=6,type=select,selection_method=hash,fields(ipv6_src,ipv6_dst,tcp_src,tcp_dst),$(bucket6 1 $MAC_1 $RIP6_1),$(bucket6 2 $MAC_2 $RIP6_2)
group_id=14,type=all,$(bucket4 1 $MAC_1 $RIP4_1),$(bucket4 2 $MAC_2 $RIP4_2)
group_id=16,type=all,$(bucket6 1 $MAC_1 $RIP6_1),$(bucket6 2 $MAC_2 $RIP6_2)
EOF
cat > "$RUN/lb-icmp.flows" <<EOF
priority=110,icmp,icmp_type=3,icmp_code=4,nw_dst=$VIP4A,actions=set_field:1->ip_dscp,group:14
priority=110,icmp,icmp_type=3,icmp_code=4,nw_dst=$VIP4B,actions=set_field:2->ip_dscp,group:14
priority=110,icmp6,icmp_type=2,ipv6_dst=$VIP6,actions=set_field:10->ip_dscp,group:16
EOF
cat > "$RUN/lb.flows" <<EOF
priority=100,ip,nw_dst=$VIP4A,actions=set_field:1->ip_dscp,group:4
priority=100,ip,nw_dst=$VIP4B,actions=set_field:2->ip_dscp,group:4
priority=100,ipv6,ipv6_dst=$VIP6,actions=set_field:10->ip_dscp,group:6
priority=90,ip,nw_src=$VIP4A,actions=drop
priority=90,ip,nw_src=$VIP4B,actions=drop
priority=90,ipv6,ipv6_src=$VIP6,actions=drop
priority=0,actions=drop
EOF
ofctl15 () { ovs-ofctl -O OpenFlow15 "$@"; }
ofctl15 add-groups l3d-lb "$RUN/lb.groups"
ofctl15 add-flows l3d-lb "$RUN/lb.flows"
ofctl15 add-flows l3d-lb "$RUN/lb-icmp.flows"
echo "== Load balancer l3d-lb: stock OpenFlow actions =="
sed 's/^/  /' "$RUN/lb.groups" "$RUN/lb-icmp.flows" "$RUN/lb.flows"

# --- The servers, configured by ovs-l3dsr from one dsr.conf.
cat > "$RUN/dsr.conf" <<EOF
# VIP=DSCP, as for dsrctl.  The load balancer marks each VIP's packets
# with its DSCP.
$VIP4A=1          # www
$VIP4B=0x02      # api (DSCP 2, in hex)
$VIP6=012   # www over IPv6 (DSCP 10, in octal)
EOF
echo "== dsr.conf of both servers =="
sed 's/^/  /' "$RUN/dsr.conf"
for i in 1 2; do
    echo "== l3d-srv$i: ovs-l3dsr start (bridge l3d-s$i, uplink l3d-s$i-up) =="
    l3dsr () {
        in_ns l3d-srv$i ovs-l3dsr -f "$RUN/dsr.conf" -b l3d-s$i \
            --in-port=l3d-s$i-up --state-file="$RUN/srv$i.state" "$@"
    }
    l3dsr -v start | sed 's/^/  /'
    l3dsr check | sed 's/^/  /' || fail "l3d-srv$i: ovs-l3dsr check"
done

# --- An HTTP server on each server, answering with its name and the
# address the request was sent to, as its TCP/IP stack saw it; /big gets
# 1 MiB (a fixed pattern) after that line.  Each server logs the client
# port of each request, so that a transfer that stalls still has a server;
# one thread per request, so that one that stalls blocks no other.
cat > "$RUN/httpd.py" <<'EOF'
import http.server
import socket
import sys

BIG = bytes(range(256)) * 4096


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        local = self.connection.getsockname()[0]
        if local.startswith("::ffff:"):
            local = local[7:]
        body = ("%s %s\n" % (sys.argv[1], local)).encode()
        if self.path == "/big":
            body += BIG
        sys.stdout.write("%d\n" % self.client_address[1])
        sys.stdout.flush()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


Server(("::", 80), Handler).serve_forever()
EOF
for i in 1 2; do
    in_ns l3d-srv$i $PYTHON "$RUN/httpd.py" srv$i >"$RUN/httpd$i.log" 2>&1 &
done
for i in 1 2; do
    for try in $(seq 50); do
        in_ns l3d-srv$i curl -qsf --noproxy '*' --max-time 2 -o /dev/null \
            http://127.0.0.1/ && break
        [ "$try" -lt 50 ] || die "HTTP server $i did not start:" \
                                 "$(cat "$RUN/httpd$i.log")"
        sleep 0.2
    done
done

# The network learns where each host is, as it would from normal traffic.
for i in 1 2; do
    eval rip4=\$RIP4_$i rip6=\$RIP6_$i
    in_ns l3d-srv$i ping -q -c 1 -W 2 $CLI4 >/dev/null ||
        fail "l3d-srv$i cannot ping the client"
    in_ns l3d-srv$i ping -6 -q -c 1 -W 2 $CLI6 >/dev/null ||
        fail "l3d-srv$i cannot ping the client over IPv6"
done

# --- The requests.  The client's router l3d-gw captures what comes back
# from the site, to show where each answer came from.
ip netns exec l3d-gw tcpdump -i l3d-gw-net -nn --immediate-mode -U \
    -w "$RUN/client.pcap" 'tcp src port 80' 2>"$RUN/tcpdump.log" &
TCPDUMP=$!
for try in $(seq 50); do
    grep -q 'listening on' "$RUN/tcpdump.log" && break
    [ "$try" -lt 50 ] || die "tcpdump did not start: $(cat "$RUN/tcpdump.log")"
    sleep 0.1
done

declare -A WHO SAW PORT_VIP
N=0 PORT=40001
echo "== HTTP requests from l3d-client (curl), 4 per VIP =="
for _ in 1 2 3 4; do
    for vip in $VIP4A $VIP4B $VIP6; do
        N=$((N + 1))
        url=http://$vip/
        case $vip in *:*) url="http://[$vip]/" ;; esac
        if out=$(in_ns l3d-client curl -qsS --noproxy '*' --max-time $((5 * SLOW)) \
                     --local-port $PORT "$url" 2>&1); then
            read -r WHO[$PORT] SAW[$PORT] <<<"$out"
        else
            WHO[$PORT]=- SAW[$PORT]=-
            fail "request $N to $vip: $out"
        fi
        PORT_VIP[$PORT]=$vip
        PORT=$((PORT + 1))
    done
done
sleep 0.5
kill -INT $TCPDUMP; wait $TCPDUMP 2>/dev/null || true

# The SYN-ACK of each connection, as l3d-gw received it: Ethernet source,
# IP source, client port.
in_ns l3d-gw tcpdump -r "$RUN/client.pcap" -nn -e 2>/dev/null |
    awk '/Flags \[S\.\]/ {
        for (i = 1; i <= NF; i++) if ($i == ">") { src = $(i - 1); break }
        for (j = i + 1; j <= NF; j++) if ($j == ">") { from = $(j - 1);
                                                       to = $(j + 1) }
        sub(/:$/, "", to)
        n = split(from, f, "."); fport = f[n]; fip = substr(from, 1, length(from) - length(fport) - 1)
        n = split(to, t, "."); tport = t[n]
        print tport, fip, src
    }' > "$RUN/synacks"

printf '  %-2s %-29s %-7s %-20s %s\n' '#' URL server 'server saw dst' \
    'answer (SYN-ACK) came from'
declare -A ANSWERED
N=0
for port in $(seq 40001 $((PORT - 1))); do
    N=$((N + 1))
    vip=${PORT_VIP[$port]} who=${WHO[$port]} saw=${SAW[$port]}
    read -r _ from mac < <(grep "^$port " "$RUN/synacks" || echo "- - -")
    case $mac in
        "$MAC_1") macwho=srv1 ;; "$MAC_2") macwho=srv2 ;; "$LB_MAC") macwho=LB ;;
        *) macwho="?" ;;
    esac
    url=http://$vip/
    case $vip in *:*) url="http://[$vip]/" ;; esac
    printf '  %-2s %-29s %-7s %-20s %s, MAC %s (%s)\n' $N "$url" "$who" \
        "$saw" "$from" "$mac" "$macwho"
    [ "$saw" = "$vip" ] || fail "request $N: the server saw $saw, not $vip"
    [ "$from" = "$vip" ] || fail "request $N: answer from $from, not $vip"
    [ "$macwho" = "$who" ] ||
        fail "request $N: answer from MAC $mac, not $who's own"
    ANSWERED[$who]=1
done
for who in srv1 srv2; do
    [ -n "${ANSWERED[$who]:-}" ] || fail "$who answered no request"
done
echo "  (each answer comes from the VIP, with the Ethernet address of the"
echo "   server that answered: straight from the server, not via the LB)"

# --- Large transfers over the narrow link: Path MTU Discovery.
#
# port_for VIP I: the next client port (from NEXT_PORT on) whose connection
# to VIP the load balancer sends to server I, as ofproto/trace shows it, so
# that each VIP's transfers go to both servers whatever the hash.
port_for () {
    local vip=$1 i=$2 port match want rip4 rip6
    eval rip4=\$RIP4_$i rip6=\$RIP6_$i
    case $vip in
        *:*) match="tcp6,ipv6_src=$CLI6,ipv6_dst=$vip" want="ipv6(dst=$rip6" ;;
        *) match="tcp,nw_src=$CLI4,nw_dst=$vip" want="ipv4(dst=$rip4" ;;
    esac
    for port in $(seq $NEXT_PORT $((NEXT_PORT + 63))); do
        if ovs-appctl ofproto/trace l3d-lb \
               "in_port=l3d-lb-net,$match,tp_src=$port,tp_dst=80" |
               grep -qF "$want,"; then
            NEXT_PORT=$((port + 1))
            BIG="$BIG $port=$vip"
            return
        fi
    done
    die "no client port from $NEXT_PORT on reaches srv$i for $vip"
}
# big_run SECONDS fetches /big from each PORT=VIP of BIG at once, each with
# its own client port; big_show then says who served each, and how it went,
# and sets BIG_OK and BIG_STALLED.  Each server logs the client port of each
# request, so that a transfer that stalls still has a server.
$PYTHON -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4096)' \
    > "$RUN/big.ref"
big_url () {
    case $1 in *:*) echo "http://[$1]/big" ;; *) echo "http://$1/big" ;; esac
}
big_run () {
    local item pids= pid
    for item in $BIG; do
        ip netns exec l3d-client curl -qsS --noproxy '*' --max-time "$1" \
            --local-port "${item%%=*}" -o "$RUN/big.${item%%=*}" \
            -w '%{size_download} %{time_total}\n' "$(big_url "${item#*=}")" \
            >"$RUN/big.${item%%=*}.out" 2>"$RUN/big.${item%%=*}.err" &
        pids="$pids $!"
    done
    for pid in $pids; do
        wait "$pid" || true             # big_show says how it went
    done
}
big_show () {
    local item port who how size secs first i
    BIG_OK=0 BIG_STALLED=0
    for item in $BIG; do
        port=${item%%=*} who=? first=
        for i in 1 2; do
            ! grep -qx "$port" "$RUN/httpd$i.log" || who=srv$i
        done
        read -r size secs < "$RUN/big.$port.out" || size=0 secs=-
        [ ! -e "$RUN/big.$port" ] || first=$(head -n 1 "$RUN/big.$port")
        how=stalled
        if [ ! -s "$RUN/big.$port.err" ] && [ -e "$RUN/big.$port" ] &&
           tail -c +$((${#first} + 2)) "$RUN/big.$port" |
               cmp -s - "$RUN/big.ref"; then
            how=ok
        fi
        printf '  %-32s %-5s %-8s %8s bytes in %ss\n' \
            "$(big_url "${item#*=}")" "$who" "$how" "$size" "$secs"
        if [ $how = ok ]; then
            BIG_OK=$((BIG_OK + 1))
        else
            BIG_STALLED=$((BIG_STALLED + 1))
        fi
    done
}
# The path MTU that server I's stack holds for the client, from VIP.
path_mtu () {
    local i=$1 vip=$2 client=$CLI4 mtu
    case $vip in *:*) client=$CLI6 ;; esac
    mtu=$(in_ns l3d-srv$i ip route get "$client" from "$vip" |
              sed -n 's/.* mtu \([0-9]*\).*/\1/p')
    echo "${mtu:-1500}"
}

echo "== 1 MiB from each VIP to each server, over the ${WAN_MTU}-byte link" \
     "(curl) =="
BIG= NEXT_PORT=41001
for vip in $VIP4A $VIP4B $VIP6; do
    port_for $vip 1
    port_for $vip 2
done
big_run $((10 * SLOW))
big_show
FANOUT_OK=$BIG_OK
[ $BIG_STALLED -eq 0 ] || fail "$BIG_STALLED large transfers failed"
for i in 1 2; do
    printf '  l3d-srv%s path MTU to the client: %s (IPv4), %s (IPv6)\n' $i \
        "$(path_mtu $i $VIP4A)" "$(path_mtu $i $VIP6)"
done

# --- On the kernel datapath: the module's own action does the work (not
# the set actions of the fallback), as the probe and the datapath actions
# of a DSCP-marked packet for a server show.
if [ $DP_TYPE = system ]; then
    echo "== Kernel datapath (Linux $(uname -r)) =="
    grep -o 'Datapath supports \(set_daddr_on_dscp\|hmark\) action' \
        "$RUN/ovs-vswitchd.log" | sort -u | sed 's/^/  /' |
        tee "$RUN/probe"
    [ "$(wc -l < "$RUN/probe")" = 2 ] ||
        fail "the kernel datapath does not support both actions"
    actions=$(ovs-appctl ofproto/trace l3d-s1 "in_port=l3d-s1-up,tcp,\
dl_dst=$MAC_1,nw_src=$CLI4,nw_dst=$RIP4_1,nw_tos=4,tp_dst=80" 2>&1 |
                  sed -n 's/^Datapath actions: //p')
    echo "  l3d-s1, a packet for $RIP4_1 with DSCP 1: datapath actions $actions"
    case $actions in
        *set_daddr_on_dscp*) ;;
        *) fail "l3d-s1 does not use the set_daddr_on_dscp datapath action" ;;
    esac
fi

# --- The counters.  A revalidator round pushes the datapath flows'
# statistics to OpenFlow.
ovs-appctl revalidator/wait
echo "== Load balancer l3d-lb: OpenFlow counters =="
ofctl15 dump-flows l3d-lb | awk '/priority=(110|100|90)/ {
        for (i = 1; i <= NF; i++) {
            if ($i ~ /^n_packets=/) p = $i
            if ($i ~ /^priority=/) m = $i
        }
        sub(/,$/, "", p)
        kind = m ~ /=110/ ? "ICMP" : m ~ /=100/ ? "request" : "answer"
        printf "  %-7s %-45s %s\n", kind, m, p
    }' | tee "$RUN/lb.counters"
awk '$1 == "request" && $3 == "n_packets=0" { bad = 1 }
     $1 == "answer" && $3 != "n_packets=0" { bad = 1 }
     END { exit bad }' "$RUN/lb.counters" ||
    fail "the load balancer's counters: requests must pass it, answers not"
# Buckets are listed in order: the first is srv1's, the second srv2's.
ofctl15 dump-group-stats l3d-lb | sed -n 's/^ *group_id=\([0-9]*\),.*bucket0:packet_count=\([0-9]*\),.*bucket1:packet_count=\([0-9]*\),.*/\1 \2 \3/p' |
    sort -n > "$RUN/lb.groupstats"
while read -r group n1 n2; do
    case $group in
        4|6) kind=select family=$group ;;
        *) kind=all family=${group#1} ;;
    esac
    printf '  %s group %s (IPv%s): %s packets to srv1, %s to srv2\n' \
        $kind "$group" "$family" "$n1" "$n2"
    # Each ICMP message reaches every server: as many copies to each.
    [ $kind = select ] || { [ "$n1" -gt 0 ] && [ "$n1" = "$n2" ]; } ||
        fail "all group $group: ICMP messages must reach both servers"
done < "$RUN/lb.groupstats"

# --- The proof that the fan-out matters: transfers to both servers again,
# without the ICMP flows (the load balancer then hashes each ICMP message as
# a packet for its VIP, to one server), after the servers forgot the path
# MTU they learned.  One VIP per family: a server keeps a path MTU per
# destination, so a message about another VIP's connection to the same
# client would teach it too.
echo "== Without the ICMP fan-out (its flows removed): $VIP4A and $VIP6" \
     "again =="
sed 's/,actions=.*//' "$RUN/lb-icmp.flows" | while read -r match; do
    ofctl15 del-flows --strict l3d-lb "$match"
done
for i in 1 2; do
    in_ns l3d-srv$i ip route flush cache
    in_ns l3d-srv$i ip -6 route flush cache
done
BIG= NEXT_PORT=42001
for vip in $VIP4A $VIP6; do
    port_for $vip 1
    port_for $vip 2
done
big_run $((2 * SLOW))
big_show | tee "$RUN/nofanout"
NOFANOUT_STALLED=$(grep -c ' stalled ' "$RUN/nofanout" || true)
for family in 'IPv4 http://[0-9]' 'IPv6 http://\['; do
    grep -q "^ *${family#* }.* stalled " "$RUN/nofanout" ||
        fail "without the ICMP fan-out no ${family% *} transfer stalled:" \
             "the demo does not show that it depends on the fan-out"
done
echo "  ($NOFANOUT_STALLED of 4 stalled: their server never got the ICMP" \
     "message, which went to the other)"
ofctl15 add-flows l3d-lb "$RUN/lb-icmp.flows"

for i in 1 2; do
    echo "== l3d-srv$i: ovs-l3dsr status =="
    in_ns l3d-srv$i ovs-l3dsr -f "$RUN/dsr.conf" \
        --state-file="$RUN/srv$i.state" status | sed 's/^/  /'
done

for i in 1 2; do
    echo "== l3d-srv$i: ovs-l3dsr stop =="
    in_ns l3d-srv$i ovs-l3dsr --state-file="$RUN/srv$i.state" -v stop |
        sed 's/^/  /' || fail "l3d-srv$i: ovs-l3dsr stop"
    [ ! -e "$RUN/srv$i.state" ] || fail "l3d-srv$i: state file left"
done

if [ ${#FAILS[@]} -eq 0 ]; then
    echo "demo: PASS ($N requests, each answered by a server straight from" \
         "the VIP; $FANOUT_OK transfers of 1 MiB over a $WAN_MTU-byte path;" \
         "without the ICMP fan-out $NOFANOUT_STALLED of 4 stalled)"
else
    echo "demo: FAIL ($(printf '%s\n' "${FAILS[@]}" | paste -sd ';' |
                        sed 's/;/; /g'))"
    exit 1
fi
