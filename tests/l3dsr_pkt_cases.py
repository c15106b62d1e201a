# Copyright (c) 2026 The ovs-l3dsr authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""The test packets of set_daddr_on_dscp, built independently of Open
vSwitch: scapy computes every checksum from scratch.  tests/l3dsr-pkt.py
prints them for the tests (see its usage).

The packets come from a client to a real server's address (RIP) with the
DSCP of a VIP.  The tests' flow maps DSCP 1 to VIP4 and DSCP 10 to VIP6, so
the expected packet is the same packet built with the VIP as destination.
Cases whose DSCP has no entry, and non-IP packets, must come out unchanged.
"""

import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, Raw, checksum, fragment, fragment6)
from scapy.layers.inet import in4_chksum
from scapy.layers.inet6 import in6_chksum

CLIENT_MAC = "50:54:00:00:00:01"
SERVER_MAC = "50:54:00:00:00:02"
CLIENT4, RIP4, VIP4 = "10.0.0.1", "10.0.0.2", "72.30.38.140"
CLIENT6, RIP6, VIP6 = "fc00::1", "fc00::2", "fc00:1000:0:6::10"
DSCP4, DSCP6 = 1, 10          # The entries of the tests' flow.
PROTO_DCCP, PROTO_UDPLITE = 33, 136
OTHER_DSCP = 2                # A DSCP with no entry.

PAYLOAD = b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n" + bytes(range(40))


def ether():
    return Ether(src=CLIENT_MAC, dst=SERVER_MAC)


def ip4(dst, dscp=DSCP4, **kw):
    return IP(src=CLIENT4, dst=dst, tos=dscp << 2, id=0x1234, ttl=64, **kw)


def ip6(dst, dscp=DSCP6, **kw):
    return IPv6(src=CLIENT6, dst=dst, tc=dscp << 2, hlim=64, **kw)


def tcp():
    return TCP(sport=34567, dport=80, flags="PA", seq=1000, ack=2000)


def udp(**kw):
    return UDP(sport=5353, dport=53, **kw)


def frag4(dst, index):
    """Fragment 'index' of a TCP datagram to 'dst', cut into 3 pieces."""
    datagram = ip4(dst) / tcp() / Raw(PAYLOAD)
    return ether() / fragment(datagram, fragsize=24)[index]


def udp_frag4(dst, index):
    datagram = ip4(dst) / udp() / Raw(PAYLOAD)
    return ether() / fragment(datagram, fragsize=24)[index]


# Scapy has no UDP-Lite or DCCP layer: their headers are built here as raw
# bytes, and their checksums computed over the pseudo-header by scapy's
# in4_chksum() and in6_chksum(), or by hand for a partial coverage.

def udplite(cscov=0):
    """A UDP-Lite header (RFC 3828) with checksum coverage 'cscov' (0: all)
    and checksum 0, followed by the payload."""
    return struct.pack("!HHHH", 5353, 53, cscov, 0) + PAYLOAD


def dccp():
    """A DCCP-Request (RFC 4340) with 48-bit sequence numbers (X = 1),
    checksum coverage 0 (all) and checksum 0, followed by the payload."""
    return (struct.pack("!HHBBHBBHI", 34567, 80, 5, 0, 0, 0 << 1 | 1, 0,
                        0x1234, 0x56789abc)
            + struct.pack("!I", 42) + PAYLOAD)


def with_csum(l4, csum):
    return l4[:6] + struct.pack("!H", csum) + l4[8:]


def l4_over(ip, proto, l4, cscov=0):
    """'l4' of protocol 'proto' after IP header 'ip', with its checksum.
    With a coverage, the checksum covers the pseudo-header, whose length is
    the whole L4 length, and the first 'cscov' bytes (UDP-Lite) or 4 *
    'cscov' bytes (DCCP)."""
    if not cscov:
        csum = (in4_chksum(proto, ip, l4) if isinstance(ip, IP)
                else in6_chksum(proto, ip, l4))
    else:
        assert isinstance(ip, IP) and proto == PROTO_UDPLITE
        pseudo = (bytes(IP(src=ip.src, dst=ip.dst))[12:20]
                  + struct.pack("!BBH", 0, proto, len(l4)))
        csum = checksum(pseudo + l4[:cscov])
        csum = csum or 0xffff
    return ip / Raw(with_csum(l4, csum))


def udplite4(dst, cscov=0):
    return ether() / l4_over(ip4(dst, proto=PROTO_UDPLITE), PROTO_UDPLITE,
                             udplite(cscov), cscov)


def dccp4(dst):
    return ether() / l4_over(ip4(dst, proto=PROTO_DCCP), PROTO_DCCP, dccp())


def udplite6(dst):
    return ether() / l4_over(ip6(dst, nh=PROTO_UDPLITE), PROTO_UDPLITE,
                             udplite())


def dccp6(dst):
    return ether() / l4_over(ip6(dst, nh=PROTO_DCCP), PROTO_DCCP, dccp())


def udplite_frag4(dst, index):
    """Fragment 'index' of a UDP-Lite datagram whose checksum is right for
    the client's real destination, the RIP: a later fragment keeps it."""
    datagram = l4_over(ip4(RIP4, proto=PROTO_UDPLITE), PROTO_UDPLITE,
                       udplite())
    datagram[IP].dst = dst
    return ether() / fragment(IP(bytes(datagram)), fragsize=24)[index]


def dccp_frag6(dst, index):
    datagram = l4_over(ip6(RIP6, nh=PROTO_DCCP), PROTO_DCCP, dccp())
    payload = bytes(datagram[Raw])
    packet = (ip6(dst) / IPv6ExtHdrFragment(nh=PROTO_DCCP, id=7)
              / Raw(payload))
    return ether() / fragment6(packet, 80)[index]


# Each case maps a destination address to the packet sent to it.  The input
# goes to the RIP, the expected output to the VIP, unless 'rewritten' is
# False, in which case the input must come out as it went in.
CASES = {
    "ipv4-tcp": (4, True, lambda d: ether() / ip4(d) / tcp() / Raw(PAYLOAD)),
    "ipv4-udp": (4, True, lambda d: ether() / ip4(d) / udp() / Raw(PAYLOAD)),
    "ipv4-udp-zero-csum": (4, True, lambda d: ether() / ip4(d)
                           / udp(chksum=0) / Raw(PAYLOAD)),
    "ipv4-icmp": (4, True, lambda d: ether() / ip4(d)
                  / ICMP(type=8, id=7, seq=1) / Raw(PAYLOAD)),
    "ipv4-frag-first": (4, True, lambda d: frag4(d, 0)),
    "ipv4-frag-later": (4, True, lambda d: frag4(d, 1)),
    "ipv4-udp-frag-later": (4, True, lambda d: udp_frag4(d, 2)),
    "ipv4-vlan-tcp": (4, True, lambda d: Ether(src=CLIENT_MAC, dst=SERVER_MAC)
                      / Dot1Q(vlan=100) / ip4(d) / tcp() / Raw(PAYLOAD)),
    "ipv4-udplite": (4, True, lambda d: udplite4(d)),
    "ipv4-udplite-cov8": (4, True, lambda d: udplite4(d, 8)),
    "ipv4-dccp": (4, True, lambda d: dccp4(d)),
    "ipv4-udplite-frag-later": (4, True, lambda d: udplite_frag4(d, 1)),
    "ipv4-other-dscp": (4, False, lambda d: ether() / ip4(d, OTHER_DSCP)
                        / tcp() / Raw(PAYLOAD)),
    "ipv6-tcp": (6, True, lambda d: ether() / ip6(d) / tcp() / Raw(PAYLOAD)),
    "ipv6-udp": (6, True, lambda d: ether() / ip6(d) / udp() / Raw(PAYLOAD)),
    "ipv6-udplite": (6, True, lambda d: udplite6(d)),
    "ipv6-dccp": (6, True, lambda d: dccp6(d)),
    "ipv6-dccp-frag-later": (6, True, lambda d: dccp_frag6(d, 1)),
    "ipv6-icmpv6": (6, True, lambda d: ether() / ip6(d)
                    / ICMPv6EchoRequest(id=7, seq=1, data=PAYLOAD)),
    "ipv6-hopopts-tcp": (6, True, lambda d: ether() / ip6(d)
                         / IPv6ExtHdrHopByHop() / tcp() / Raw(PAYLOAD)),
    "ipv6-dstopts-tcp": (6, True, lambda d: ether() / ip6(d)
                         / IPv6ExtHdrDestOpt() / tcp() / Raw(PAYLOAD)),
    "ipv6-other-dscp": (6, False, lambda d: ether() / ip6(d, OTHER_DSCP)
                        / tcp() / Raw(PAYLOAD)),
    "ipv4-dscp-of-ipv6": (4, False, lambda d: ether() / ip4(d, DSCP6)
                          / tcp() / Raw(PAYLOAD)),
    "arp": (0, False, lambda d: ether() / ARP(psrc=CLIENT4, pdst=RIP4)),
}


def build(case, expected):
    family, rewritten, make = CASES[case]
    rip, vip = {4: (RIP4, VIP4), 6: (RIP6, VIP6), 0: (None, None)}[family]
    packet = make(vip if expected and rewritten else rip)
    return bytes(packet).hex()


FIXED_L4 = ((TCP, 20), (UDP, 8), (ICMPv6EchoRequest, 4))

# The same, by protocol number, for the protocols that scapy leaves raw:
# UDP-Lite's header, and DCCP's generic header with short sequence numbers.
FIXED_RAW_L4 = {PROTO_UDPLITE: 8, PROTO_DCCP: 12}


def min_rewrite_len(case):
    """The MINLEN of 'robustness' for the input packet of 'case'."""
    family, _, make = CASES[case]
    # Dissected afresh from its bytes, so that scapy sees the L4 header of a
    # first fragment as such.
    packet = Ether(bytes(make({4: RIP4, 6: RIP6}[family])))
    total = len(bytes(packet))
    for layer, fixed in FIXED_L4:
        if packet.haslayer(layer):
            return total - len(bytes(packet[layer])) + fixed
    if packet.haslayer(IPv6ExtHdrFragment):
        # A later fragment: the action needs its fragment header to see it.
        return total - len(bytes(packet[IPv6ExtHdrFragment].payload))
    ip = packet[IP] if family == 4 else packet[IPv6]
    proto = ip.proto if family == 4 else ip.nh
    if proto in FIXED_RAW_L4 and (family == 6 or not ip.frag):
        return total - len(bytes(ip.payload)) + FIXED_RAW_L4[proto]
    return total - len(bytes(ip.payload))

