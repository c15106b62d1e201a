#! /usr/bin/python3
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

"""Writes the seed corpora of the fuzz targets (make fuzz) into
tests/fuzz/corpus/TARGET/, one file per seed.

    make-corpus.py [DIR]        DIR defaults to the corpus next to this file

Every seed is built here from the wire formats that docs/wire-format.md,
docs/hmark.md and the OpenFlow specifications define, and the packets with
scapy: nothing comes from ovs-ofctl, ovs-dpctl or Open vSwitch's own
encoders, so that a seed cannot inherit an encoder's mistake.

  ofp_print_target      OpenFlow messages (packet-out and flow-mod, 1.0 to
                        1.5) whose actions hold set_daddr_on_dscp and hmark
                        in each shape: IPv4 and IPv6 entries, 64 of each,
                        every hmark option, NXM, OXM and experimenter OXM
                        destinations, and malformed variants.
  ofctl_parse_target    a flow-mod command byte, then ovs-ofctl flow text.
  odp_target            datapath action text.
  flow_extract_target   packets.
  l3dsr_execute_target  header, action records and packet, as described in
                        l3dsr_execute_target.c.

The script is deterministic: running it again gives the same files.  It
leaves alone the files named "regress-*": inputs that once made a target
fail, kept as seeds so that the fix stays tested.
"""

import os
import socket
import struct
import sys

from scapy.all import (AH, ESP, GRE, ICMP, IP, SCTP, TCP, UDP, Dot1Q, Ether,
                       ICMPv6DestUnreach, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, fragment)

NX_VENDOR_ID = 0x00002320
NXAST_SET_DADDR_ON_DSCP = 200
NXAST_HMARK = 201
OVS_ACTION_ATTR_SET_DADDR_ON_DSCP = 40
OVS_ACTION_ATTR_HMARK = 41

# hmark's OpenFlow flags (docs/hmark.md).
F_SRC, F_DST, F_SPORT_MASK, F_DPORT_MASK, F_SPI_MASK = 1, 2, 4, 8, 0x10
F_SPORT, F_DPORT, F_SPI, F_PROTO, F_CT = 0x20, 0x40, 0x80, 0x100, 0x200

# Destination field headers: NXM (4 bytes), OXM (4) and experimenter OXM
# (8: header, experimenter ID).
NXM_NX_PKT_MARK = struct.pack("!I", 0x00014204)
NXM_NX_REG0 = struct.pack("!I", 0x00010004)
NXM_NX_REG3 = struct.pack("!I", 0x00010604)
OXM_OF_PKT_REG0 = struct.pack("!I", 0x80010808)        # xreg0, 64 bits
OXM_OF_IP_DSCP = struct.pack("!I", 0x80001001)
ONFOXM_ET_TCP_FLAGS = struct.pack("!II", 0xffff5406, 0x4f4e4600)


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


# --- OpenFlow actions --------------------------------------------------------

def daddr_on_dscp_of(entries, n_entries=None, pad=0):
    """The OpenFlow action for 'entries', a list of (dscp, address text)."""
    body = b""
    for dscp, addr in entries:
        if ":" in addr:
            body += struct.pack("!BB6x", 6, dscp) + ip6(addr)
        else:
            body += struct.pack("!BBxx", 4, dscp) + ip4(addr)
    if n_entries is None:
        n_entries = len(entries)
    return struct.pack("!HHIHHI", 0xffff, 16 + len(body), NX_VENDOR_ID,
                       NXAST_SET_DADDR_ON_DSCP, n_entries, pad) + body


def hmark_of(flags, src=0, dst=0, proto_mask=0, port_mask=0, port_set=0,
             rnd=0, mod=1, offset=0, ofs_nbits=31, field=NXM_NX_PKT_MARK,
             length=48):
    """The 48-byte OpenFlow hmark action (docs/hmark.md)."""
    a = struct.pack("!HHIHHBBHIIIIIHH", 0xffff, length, NX_VENDOR_ID,
                    NXAST_HMARK, flags, src, dst, proto_mask, port_mask,
                    port_set, rnd, mod, offset, ofs_nbits, 0) + field
    return a + bytes(48 - len(a))


def output_of10(port):
    return struct.pack("!HHHH", 0, 8, port, 0xffff)


def output_of11(port):
    return struct.pack("!HHIH6x", 0, 16, port, 0xffff)


ALL4 = [(d, "192.0.2.%d" % d) for d in range(64)]
ALL6 = [(d, "fd00::%x" % d) for d in range(64)]

OF_ACTIONS = {
    "daddr-v4": daddr_on_dscp_of([(1, "72.30.38.140"), (2, "98.139.183.24")]),
    "daddr-v6": daddr_on_dscp_of([(10, "fc00:1000:0:6::10")]),
    "daddr-v4v6": daddr_on_dscp_of([(1, "72.30.38.140"),
                                    (10, "fc00:1000:0:6::10")]),
    # Mixed order and the same DSCP in both families: accepted.
    "daddr-mixed": daddr_on_dscp_of([(10, "fc00:1000:0:6::10"),
                                     (63, "192.0.2.1"), (0, "192.0.2.2"),
                                     (63, "fd00::63")]),
    "daddr-all": daddr_on_dscp_of(ALL4 + ALL6),
    "daddr-bad-zero": daddr_on_dscp_of([], n_entries=0),
    "daddr-bad-short": daddr_on_dscp_of([(1, "192.0.2.1")], n_entries=2),
    "daddr-bad-dup": daddr_on_dscp_of([(1, "192.0.2.1"), (1, "192.0.2.2")]),
    "daddr-bad-dscp": daddr_on_dscp_of([(64, "192.0.2.1")]),
    "daddr-bad-pad": daddr_on_dscp_of([(1, "192.0.2.1")], pad=1),
    "hmark-5tuple": hmark_of(F_SRC | F_DST | F_SPORT_MASK | F_DPORT_MASK
                             | F_PROTO, 128, 128, 0xffff, 0xffffffff, 0,
                             0x12345678, 4, 100),
    "hmark-ports": hmark_of(F_SRC | F_DST | F_SPORT_MASK | F_SPORT | F_DPORT,
                            24, 64, 0, 0xff000000, 0x00050035, 1, 1000, 0,
                            (0 << 6) | 15, NXM_NX_REG0),
    "hmark-spi": hmark_of(F_SPI_MASK | F_SPI, port_mask=0xffffffff,
                          port_set=0x100, rnd=0xffffffff, mod=0xffffffff,
                          offset=0xffffffff, field=NXM_NX_REG3),
    "hmark-ct": hmark_of(F_CT | F_SRC, 24, rnd=1, mod=65536,
                         ofs_nbits=(16 << 6) | 15, field=NXM_NX_REG0),
    "hmark-xreg": hmark_of(F_PROTO, proto_mask=0xff, rnd=2, mod=2,
                           ofs_nbits=63, field=OXM_OF_PKT_REG0),
    "hmark-dscp": hmark_of(F_SRC, 32, rnd=1, mod=4, ofs_nbits=5,
                           field=OXM_OF_IP_DSCP),
    "hmark-exp": hmark_of(F_DST, dst=16, rnd=1, mod=2, ofs_nbits=11,
                          field=ONFOXM_ET_TCP_FLAGS),
    "hmark-bad-mod": hmark_of(F_SRC, 32, rnd=1, mod=0),
    "hmark-bad-flags": hmark_of(0x8000 | F_SRC, 32, rnd=1, mod=4),
    "hmark-bad-value": hmark_of(F_SRC, 32, 8, rnd=1, mod=4),
    "hmark-bad-wide": hmark_of(F_SRC, 32, rnd=1, mod=0x10000, ofs_nbits=7,
                               field=NXM_NX_REG0),
}
OF_ACTIONS["both"] = OF_ACTIONS["daddr-v4v6"] + OF_ACTIONS["hmark-5tuple"]
OF_ACTIONS["hmark-bad-len"] = OF_ACTIONS["hmark-5tuple"][:2] + b"\x00\x28" \
    + OF_ACTIONS["hmark-5tuple"][4:40]


# --- OpenFlow messages -------------------------------------------------------

def ofp_header(version, msg_type, body):
    return struct.pack("!BBHI", version, msg_type, 8 + len(body), 1) + body


def pad8(b):
    return b + bytes(-len(b) % 8)


def oxm_match(fields):
    m = struct.pack("!HH", 1, 4 + len(fields)) + fields
    return pad8(m)


def packet_out(version, actions, packet):
    """OFPT_PACKET_OUT (type 13) from the controller port."""
    if version == 1:
        body = struct.pack("!IHH", 0xffffffff, 0xfffd, len(actions))
    elif version < 6:
        body = struct.pack("!IIH6x", 0xffffffff, 0xfffffffd, len(actions))
    else:
        in_port = struct.pack("!II", 0x80000004, 0xfffffffd)
        body = struct.pack("!IH2x", 0xffffffff, len(actions)) \
            + oxm_match(in_port)
    return ofp_header(version, 13, body + actions + packet)


def flow_mod(version, actions, instruction=4):
    """OFPT_FLOW_MOD (type 14), add, matching IPv4, 'actions' in an
    apply-actions (4) or write-actions (3) instruction from 1.1 on."""
    if version == 1:
        match = struct.pack("!IH6s6sHBxHBB2xIIHH", 0x3fffef, 0, bytes(6),
                            bytes(6), 0, 0, 0x0800, 0, 0, 0, 0, 0, 0)
        body = match + struct.pack("!QHHHHIHH", 0, 0, 0, 0, 0x8000,
                                   0xffffffff, 0xffff, 0)
        return ofp_header(1, 14, body + actions)
    body = struct.pack("!QQBBHHHIIIH2x", 0, 0, 0, 0, 0, 0, 0x8000,
                       0xffffffff, 0xffffffff, 0xffffffff, 0)
    if version == 2:
        # OpenFlow 1.1's standard match, all wildcarded except dl_type.
        match = struct.pack("!HHII6s6s6s6sHBxHBBIIIIHHIB3xQQ", 0, 88, 0,
                            0x3ff & ~(1 << 3), bytes(6), b"\xff" * 6,
                            bytes(6), b"\xff" * 6, 0, 0, 0x0800, 0, 0, 0,
                            0xffffffff, 0, 0xffffffff, 0, 0, 0, 0, 0,
                            0xffffffffffffffff)
    else:
        match = oxm_match(struct.pack("!IH", 0x80000a02, 0x0800))
    inst = struct.pack("!HH4x", instruction, 8 + len(actions)) + actions
    return ofp_header(version, 14, body + match + inst)


# --- Packets -----------------------------------------------------------------

MAC = dict(src="50:54:00:00:00:01", dst="50:54:00:00:00:02")
PAYLOAD = b"GET / HTTP/1.0\r\n\r\n"


def v4(dscp=1, **kw):
    return IP(src="10.0.0.1", dst="10.0.0.2", tos=dscp << 2, id=0x1234, **kw)


def v6(dscp=10):
    return IPv6(src="fc00::1", dst="fc00::2", tc=dscp << 2)


def packets():
    """(name, L3 packet) of every shape the actions look at."""
    tcp = TCP(sport=40000, dport=80, flags="S")
    udp = UDP(sport=40000, dport=53)
    frags = fragment(v4() / UDP(sport=1, dport=2) / (PAYLOAD * 4), 40)
    return [
        ("v4-tcp", v4() / tcp / PAYLOAD),
        ("v4-udp", v4() / udp / PAYLOAD),
        ("v4-udp-nocsum", v4() / UDP(sport=1, dport=2, chksum=0) / PAYLOAD),
        ("v4-udplite", v4(proto=136) / Raw(struct.pack("!HHHH", 1, 2, 8, 0)
                                           + PAYLOAD)),
        ("v4-dccp", v4(proto=33) / Raw(struct.pack("!HHBBH", 1, 2, 4, 0, 0)
                                       + bytes(8))),
        ("v4-sctp", v4() / SCTP(sport=1, dport=2) / PAYLOAD),
        ("v4-icmp", v4() / ICMP(id=7) / PAYLOAD),
        ("v4-icmp-error", v4() / ICMP(type=3, code=4)
         / bytes(v4(0) / udp)[:28]),
        ("v4-esp", v4() / ESP(spi=0x100, seq=1) / PAYLOAD),
        ("v4-ah", v4() / AH(spi=0x200, seq=1, nh=6) / tcp),
        ("v4-gre", v4() / GRE() / v4(5) / tcp),
        ("v4-options", v4(options=b"\x01\x01\x01\x00") / tcp),
        ("v4-frag-first", frags[0]),
        ("v4-frag-later", frags[1]),
        ("v4-dscp-other", v4(2) / tcp),
        ("v6-tcp", v6() / tcp / PAYLOAD),
        ("v6-udp", v6() / udp / PAYLOAD),
        ("v6-icmp6", v6() / ICMPv6EchoRequest(id=9)),
        ("v6-icmp6-error", v6() / ICMPv6DestUnreach() / bytes(v6() / udp)),
        ("v6-hbh-dst", v6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
         / tcp),
        ("v6-routing", v6() / IPv6ExtHdrRouting(addresses=["fc00::9"])
         / udp),
        ("v6-frag-first", v6() / IPv6ExtHdrFragment(m=1, id=5) / udp),
        ("v6-frag-later", v6() / IPv6ExtHdrFragment(offset=8, id=5)
         / PAYLOAD),
        ("v6-frag-atomic", v6() / IPv6ExtHdrFragment(id=5) / tcp),
        ("v6-esp", v6() / ESP(spi=0x100, seq=1)),
        ("v6-sctp", v6() / SCTP(sport=1, dport=2)),
    ]


def ether_frames():
    frames = []
    for name, pkt in packets():
        frames.append((name, bytes(Ether(**MAC) / pkt)))
    v4tcp = v4() / TCP(sport=1, dport=80)
    frames.append(("vlan-v4-tcp", bytes(Ether(**MAC) / Dot1Q(vlan=5)
                                        / v4tcp)))
    frames.append(("qinq-v6-udp", bytes(Ether(**MAC, type=0x88a8)
                                        / Dot1Q(vlan=5) / Dot1Q(vlan=6)
                                        / v6() / UDP())))
    # An MPLS label stack in front of IPv4: not IP to the actions.
    frames.append(("mpls-v4", bytes(Ether(**MAC, type=0x8847))
                   + struct.pack("!I", (16 << 12) | 0x100 | 64)
                   + bytes(v4tcp)))
    frames.append(("arp", bytes(Ether(**MAC, type=0x0806)) + bytes(28)))
    return frames


# --- Datapath actions --------------------------------------------------------

def daddr_attr_payload(v4_entries, v6_entries):
    """OVS_ACTION_ATTR_SET_DADDR_ON_DSCP's payload in host (x86-64, little
    endian) byte order (docs/wire-format.md)."""
    b4 = sum(1 << d for d, _ in v4_entries)
    b6 = sum(1 << d for d, _ in v6_entries)
    return (struct.pack("<QQ", b4, b6)
            + b"".join(ip4(a) for _, a in sorted(v4_entries))
            + b"".join(ip6(a) for _, a in sorted(v6_entries)))


def mask(bits):
    return (((1 << 128) - 1) ^ ((1 << (128 - bits)) - 1)).to_bytes(16, "big")


def hmark_attr_payload(src=128, dst=128, port_mask=0xffffffff, port_set=0,
                       rnd=0x12345678, mod=4, offset=100, proto_mask=0xffff,
                       flags=0):
    """struct ovs_action_hmark (docs/hmark.md), host byte order where the
    kernel's xt_hmark_info has it."""
    return (mask(src) + mask(dst) + struct.pack("!II", port_mask, port_set)
            + struct.pack("<IIIHH", rnd, mod, offset, proto_mask, flags))


DAADR_ATTRS = {
    "v4": daddr_attr_payload([(1, "72.30.38.140"), (2, "98.139.183.24")], []),
    "v6": daddr_attr_payload([], [(10, "fc00:1000:0:6::10")]),
    "v4v6": daddr_attr_payload([(1, "72.30.38.140")],
                               [(10, "fc00:1000:0:6::10")]),
    "all": daddr_attr_payload(ALL4, ALL6),
    "empty": daddr_attr_payload([], []),
    "short": daddr_attr_payload([(1, "72.30.38.140")], [])[:-1],
    "long": daddr_attr_payload([(1, "72.30.38.140")], []) + bytes(4),
    "header-only": bytes(8),
}
HMARK_ATTRS = {
    "5tuple": hmark_attr_payload(),
    "prefix": hmark_attr_payload(src=24, dst=64, port_mask=0xff00ff00,
                                 port_set=0x80010000, proto_mask=0xf),
    "spi": hmark_attr_payload(src=0, dst=0, port_set=0x100,
                              rnd=0xffffffff, mod=0xffffffff,
                              offset=0xffffffff),
    "ct": hmark_attr_payload(src=24, flags=1, mod=65536, offset=0),
    "mod1": hmark_attr_payload(mod=1, offset=0),
    "mod0": hmark_attr_payload(mod=0),
    "flags": hmark_attr_payload(flags=0xfffe),
    "short": hmark_attr_payload()[:52],
    "long": hmark_attr_payload() + bytes(4),
}

ODP_TEXT = [
    "set_daddr_on_dscp(1=72.30.38.140,2=98.139.183.24)",
    "set_daddr_on_dscp(10=fc00:1000:0:6::10)",
    "set_daddr_on_dscp(1=72.30.38.140,10=fc00:1000:0:6::10)",
    "set_daddr_on_dscp(0=192.0.2.1,63=192.0.2.63,0=::1,63=::63)",
    "set_daddr_on_dscp(0x0a=fc00:1000:0:6::10,63=192.0.2.1,0=192.0.2.2)",
    "set_daddr_on_dscp(%s)" % ",".join("%d=%s" % e for e in ALL4 + ALL6),
    "set_daddr_on_dscp(1=192.0.2.1,1=192.0.2.2)",
    "set_daddr_on_dscp()",
    "hmark(src_mask=128,dst_mask=128,port_mask=0xffffffff,port_set=0,"
    "proto_mask=0xffff,rnd=0x12345678,mod=4,offset=100)",
    "hmark(src_mask=24,dst_mask=ffff:0:ffff::,port_mask=0,port_set=0,"
    "proto_mask=0,rnd=0,mod=1,offset=0,ct)",
    "hmark(src_mask=0,dst_mask=64,port_mask=0xff000ff0,port_set=0x80010000,"
    "proto_mask=0xf,rnd=0xffffffff,mod=4294967295,offset=4294967295)",
    "hmark(rnd=1,mod=4,flags=0x2)",
    "hmark(rnd=1,mod=0)",
    "set_daddr_on_dscp(1=72.30.38.140),hmark(src_mask=32,dst_mask=32,"
    "port_mask=0xffffffff,port_set=0,proto_mask=0xff,rnd=1,mod=8,offset=0),2",
    "push_vlan(vid=5,pcp=0),hmark(src_mask=32,dst_mask=32,port_mask=0,"
    "port_set=0,proto_mask=0,rnd=1,mod=8,offset=0),"
    "set_daddr_on_dscp(1=72.30.38.140)",
]

OFCTL_TEXT = [
    "ip,nw_tos=4,actions=set_daddr_on_dscp(1=72.30.38.140,2=98.139.183.24)",
    "ipv6,actions=set_daddr_on_dscp(10=fc00:1000:0:6::10),output:2",
    "ip,actions=set_daddr_on_dscp(0=192.0.2.1,63=192.0.2.63,0=::1,63=::63)",
    "actions=set_daddr_on_dscp(%s)" % ",".join("%d=%s" % e
                                               for e in ALL4 + ALL6),
    "tcp,actions=hmark(tuple=src+dst+sport+dport+proto,rnd=0x12345678,"
    "mod=4,offset=100),LOCAL",
    "ip,actions=hmark(src_prefix=24,dst_prefix=64,sport_mask=0xff00,sport=5,"
    "rnd=0x1,mod=1000,dst=NXM_NX_REG0[0..15]),resubmit(,1)",
    "actions=hmark(tuple=spi+ct,spi=0x100,rnd=0xffffffff,mod=4294967295,"
    "offset=4294967295)",
    "ip,actions=hmark(tuple=proto,rnd=1,mod=2,offset=6,dst=reg0[4..7])",
    "ip,actions=hmark(tuple=src,rnd=1,mod=4,dst=ip_dscp)",
    "ip,actions=hmark(tuple=src,rnd=1,mod=4,dst=xreg0)",
    "ip,actions=hmark(tuple=src,rnd=1,mod=4,dst=xxreg0)",
    "ip,actions=write_actions(hmark(tuple=src,rnd=1,mod=4))",
    "table=0,priority=5,ip,actions=set_daddr_on_dscp(1=72.30.38.140),"
    "hmark(tuple=dst+ct,src_prefix=24,rnd=0x1,mod=10),ct(table=1)",
]


def execute_input(flags, ct_state, trunc, records, packet, mark=0,
                  ct_tuple=b""):
    """An input of l3dsr_execute_target (see its header comment)."""
    rec = b"".join(struct.pack("!BH", kind, len(arg)) + arg
                   for kind, arg in records)
    header = struct.pack("!BBBBI", flags, ct_state, trunc, len(records), mark)
    return header + ct_tuple.ljust(40, b"\0") + rec + packet


def ct_tuple4(proto):
    return ip4("10.0.0.1") + ip4("10.0.0.2") + struct.pack("!HHB", 1000, 80,
                                                           proto)


def ct_tuple6(proto):
    return ip6("fc00::1") + ip6("fc00::2") + struct.pack("!HHB", 1000, 80,
                                                         proto)


def execute_seeds():
    seeds = {}
    frames = ether_frames()
    # Every datapath attribute shape of both actions on a TCP packet of each
    # family.
    for pname, frame in frames:
        if pname not in ("v4-tcp", "v6-tcp"):
            continue
        for aname, arg in DAADR_ATTRS.items():
            seeds["daddr-%s-%s" % (aname, pname)] = execute_input(
                0, 0, 128, [(0, arg)], frame)
        for aname, arg in HMARK_ATTRS.items():
            seeds["hmark-%s-%s" % (aname, pname)] = execute_input(
                0, 0x21, 128, [(1, arg)], frame, 7,
                ct_tuple6(6) if "v6" in pname else ct_tuple4(6))
    # Every packet with both actions, then hmark again after the rewrite.
    for pname, frame in frames:
        seeds["both-" + pname] = execute_input(
            0, 0, 200, [(0, DAADR_ATTRS["all"]), (1, HMARK_ATTRS["5tuple"]),
                        (1, HMARK_ATTRS["ct"])], frame)
    # Through VLAN, MPLS and L3 packets, as translation may combine them.
    tcp4 = dict(frames)["v4-tcp"]
    tcp6 = dict(frames)["v6-tcp"]
    seeds["push-vlan-both"] = execute_input(
        0, 0, 255, [(2, b"\x01\x00\x05"), (0, DAADR_ATTRS["v4"]),
                    (1, HMARK_ATTRS["prefix"]), (3, b"")], tcp4)
    seeds["push-mpls-both"] = execute_input(
        0, 0, 255, [(4, b"\x00\x00\x01\x01\x40"), (0, DAADR_ATTRS["v4"]),
                    (1, HMARK_ATTRS["5tuple"]), (5, b"\x00"),
                    (0, DAADR_ATTRS["v4"])], tcp4)
    seeds["pop-eth-both"] = execute_input(
        0, 0, 100, [(6, b""), (0, DAADR_ATTRS["v6"]),
                    (1, HMARK_ATTRS["5tuple"]), (7, bytes(12))], tcp6)
    seeds["l3-ipv4"] = execute_input(
        1, 0, 60, [(0, DAADR_ATTRS["v4v6"]), (1, HMARK_ATTRS["spi"])],
        bytes(v4() / TCP() / PAYLOAD))
    seeds["l3-ipv6"] = execute_input(
        2, 0x21, 60, [(0, DAADR_ATTRS["v4v6"]), (1, HMARK_ATTRS["ct"])],
        bytes(v6() / ICMPv6EchoRequest()), 0, ct_tuple6(58))
    seeds["ct-v6-tuple-v4-packet"] = execute_input(
        4, 0x21, 0, [(1, HMARK_ATTRS["ct"])], tcp4, 0, ct_tuple6(6))
    return seeds


def write(directory, seeds):
    """Replaces the seeds in 'directory' by 'seeds', keeping the "regress-"
    files: inputs that once made a target fail, added by hand."""
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if not name.startswith("regress-"):
            os.remove(os.path.join(directory, name))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    packet = bytes(Ether(**MAC) / v4() / TCP(sport=1, dport=80))

    ofp = {}
    for version in range(1, 7):
        vname = "of1%d" % (version - 1)
        for aname, actions in OF_ACTIONS.items():
            ofp["%s-packet-out-%s" % (vname, aname)] = packet_out(
                version, actions, packet)
            if aname in ("both", "hmark-ct", "daddr-all", "hmark-bad-len"):
                ofp["%s-flow-mod-%s" % (vname, aname)] = flow_mod(
                    version, actions)
        output = output_of10(2) if version == 1 else output_of11(2)
        ofp["%s-flow-mod-output" % vname] = flow_mod(
            version, OF_ACTIONS["both"] + output)
        if version > 1:
            ofp["%s-flow-mod-write-actions" % vname] = flow_mod(
                version, OF_ACTIONS["hmark-5tuple"], instruction=3)
    write(os.path.join(out, "ofp_print_target"), ofp)

    # The first byte picks the command: add, modify, modify_strict, delete,
    # delete_strict (see ofctl_parse_target.c).
    write(os.path.join(out, "ofctl_parse_target"),
          {"flow-%02d" % i: bytes([i % 5]) + t.encode() + b"\0"
           for i, t in enumerate(OFCTL_TEXT)})
    write(os.path.join(out, "odp_target"),
          {"actions-%02d" % i: t.encode() + b"\0"
           for i, t in enumerate(ODP_TEXT)})
    write(os.path.join(out, "flow_extract_target"), dict(ether_frames()))
    write(os.path.join(out, "l3dsr_execute_target"), execute_seeds())


if __name__ == "__main__":
    main(sys.argv)
