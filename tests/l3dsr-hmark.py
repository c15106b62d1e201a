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

"""Differential test of the hmark action against Linux's own xt_HMARK.

    l3dsr-hmark.py packets [--ct] [--no-xlate-limits] [--seed=N] DST-MAC OUT.pcap
        Writes the test packets, as Ethernet frames to DST-MAC, to OUT.pcap
        and prints how many there are.
    l3dsr-hmark.py send IFACE IN.pcap
        Sends the frames of IN.pcap on IFACE, a few at a time.
    l3dsr-hmark.py count NFLOG.pcap
        Prints how many of the test's packets NFLOG.pcap holds.
    l3dsr-hmark.py check [--ct] [--no-xlate-limits] [--symmetric] NFLOG.pcap
        Compares, packet by packet, the mark that Open vSwitch computed with
        the one the kernel computed, as logged by NFLOG (see below), and
        prints a summary by category.  With --symmetric, also checks that
        both directions of each conversation got the same mark.  Exits with
        status 1 on any mismatch or missing packet.  --ct,
        --no-xlate-limits and --seed must be as for "packets".

How the marks are read out.  The frames go through an Open vSwitch bridge
whose flows apply hmark(...) to pkt_mark and then copy pkt_mark into the
lower 32 bits of the Ethernet source address (the upper 16 bits, 02:aa, tell
the test's frames apart), and out to a veth whose peer is in a network
namespace.  There, in the mangle table's PREROUTING chain, the kernel's
HMARK target with the same options sets the packet's mark, and an NFLOG rule
sends each packet to a netlink group, from which tcpdump writes a pcap file
of link type NFLOG.  Each NFLOG record carries the kernel's mark
(NFULA_MARK, absent if zero), the MAC header as received (NFULA_HWHEADER,
with Open vSwitch's mark in the source address) and the IP packet
(NFULA_PAYLOAD).  So one record holds both marks of the same packet, and
nothing has to be matched up.

The packets cover IPv4 and IPv6; TCP, UDP and SCTP in both directions; ESP
and AH; DCCP and UDP-Lite; ICMP and ICMPv6 echo requests and replies; ICMP
and ICMPv6 errors that carry TCP and UDP headers, complete, cut after the
ports, and cut inside the IP header; first and later fragments (of TCP, UDP
and ICMP); IPv4 options; IPv6 extension headers; and a protocol without
ports.  With --ct, instead, whole conversations for conntrack (TCP
handshakes and data, UDP, ICMP and ICMPv6 echo) in both directions.

--no-xlate-limits leaves out the packets whose mark translation cannot
compute from a flow and that it cannot recognize either (docs/hmark.md,
"Limitations"): IPv6 packets with an AH, IPv6 atomic fragments and L4
headers cut short.  The datapath action computes their marks exactly.
"""

import random
import struct
import sys

from scapy.all import (ICMP, IP, SCTP, TCP, UDP, Ether, ICMPv6DestUnreach,
                       ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6TimeExceeded,
                       IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, fragment, fragment6, rdpcap,
                       sendp, wrpcap)

SRC_MAC = "02:aa:00:00:00:00"
MARKER = bytes.fromhex("02aa")

PROTO_DCCP = 33
PROTO_ESP = 50
PROTO_AH = 51
PROTO_GRE = 47
PROTO_UDPLITE = 136


class Gen:
    def __init__(self, family, seed):
        self.family = family
        self.rnd = random.Random(seed)

    def addr(self, net):
        r = self.rnd
        if self.family == 4:
            return "10.%d.%d.%d" % (net, r.randrange(256), r.randrange(1, 255))
        return "fc00:%x:%x:%x:%x:%x:%x:%x" % (
            net, r.randrange(3), r.randrange(65536), r.randrange(65536),
            r.randrange(65536), r.randrange(65536), r.randrange(1, 65536))

    def client(self):
        return self.addr(1)

    def server(self):
        return self.addr(2)

    def port(self):
        return self.rnd.choice([80, 443, 53, 8080, self.rnd.randrange(1, 65536)])

    def sport(self):
        return self.rnd.randrange(1024, 65536)

    def ip(self, src, dst, **kw):
        if self.family == 4:
            return IP(src=src, dst=dst, id=self.rnd.randrange(65536), **kw)
        return IPv6(src=src, dst=dst, fl=self.rnd.randrange(1 << 20), **kw)

    def ip_proto(self, src, dst, proto):
        if self.family == 4:
            return self.ip(src, dst, proto=proto)
        return self.ip(src, dst, nh=proto)

    def payload(self, n=None):
        n = self.rnd.randrange(0, 40) if n is None else n
        return Raw(bytes(self.rnd.randrange(256) for _ in range(n)))

    def ah(self, nh, spi):
        # Scapy's AH leaves the next header and length to the caller.
        icv = bytes(self.rnd.randrange(256) for _ in range(12))
        return Raw(struct.pack("!BBHII", nh, 4, 0, spi, 1) + icv)


def gen_stateless(family, no_xlate_limits, seed):
    """Returns a list of (category, IP packet)."""
    g = Gen(family, seed * 1000 + 42 + family)
    out = []
    icmp_proto = 1 if family == 4 else 58

    def add(cat, pkt):
        out.append((cat, pkt))

    # TCP, UDP and SCTP, each also in the reply direction.
    for cat, n, l4 in (("tcp", 60, lambda s, d: TCP(sport=s, dport=d,
                                                    flags="S")),
                       ("udp", 50, lambda s, d: UDP(sport=s, dport=d)),
                       ("sctp", 30, lambda s, d: SCTP(sport=s, dport=d))):
        for _ in range(n):
            c, s, sp, dp = g.client(), g.server(), g.sport(), g.port()
            add(cat, g.ip(c, s) / l4(sp, dp) / g.payload())
            add(cat + "-reply", g.ip(s, c) / l4(dp, sp) / g.payload())

    # IPv4 options.
    if family == 4:
        for _ in range(10):
            add("tcp-ipopts", IP(src=g.client(), dst=g.server(),
                                 options=[IPOption_RR()])
                / TCP(sport=g.sport(), dport=g.port()))

    # IPv6 extension headers before the L4 header.
    if family == 6:
        for ext in (lambda: IPv6ExtHdrHopByHop(),
                    lambda: IPv6ExtHdrDestOpt(),
                    lambda: IPv6ExtHdrRouting(addresses=[], segleft=0),
                    lambda: IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()):
            for _ in range(8):
                l4 = (TCP(sport=g.sport(), dport=g.port())
                      if g.rnd.random() < 0.5
                      else UDP(sport=g.sport(), dport=g.port()))
                add("ext-hdrs", IPv6(src=g.client(), dst=g.server())
                    / ext() / l4 / g.payload())

    # ESP and AH: the SPI takes the ports' place.
    for _ in range(40):
        spi = g.rnd.randrange(1, 1 << 32)
        add("esp", g.ip_proto(g.client(), g.server(), PROTO_ESP)
            / Raw(struct.pack("!II", spi, 1)) / g.payload(24))
    if family == 4 or not no_xlate_limits:
        for _ in range(40):
            spi = g.rnd.randrange(1, 1 << 32)
            inner = TCP(sport=g.sport(), dport=g.port())
            add("ah", g.ip_proto(g.client(), g.server(), PROTO_AH)
                / g.ah(6, spi) / inner)

    # Protocols whose ports Open vSwitch does not parse, and one without.
    for cat, proto, n in (("dccp", PROTO_DCCP, 10),
                          ("udplite", PROTO_UDPLITE, 10),
                          ("gre", PROTO_GRE, 10)):
        for _ in range(n):
            add(cat, g.ip_proto(g.client(), g.server(), proto)
                / Raw(struct.pack("!HH", g.sport(), g.port()))
                / g.payload(16))

    # ICMP echo requests and replies.
    for _ in range(30):
        c, s, ident = g.client(), g.server(), g.rnd.randrange(65536)
        if family == 4:
            add("icmp-echo", IP(src=c, dst=s) / ICMP(type=8, id=ident)
                / g.payload())
            add("icmp-echo-reply", IP(src=s, dst=c) / ICMP(type=0, id=ident)
                / g.payload())
        else:
            add("icmp-echo", IPv6(src=c, dst=s)
                / ICMPv6EchoRequest(id=ident, data=bytes(g.payload())))
            add("icmp-echo-reply", IPv6(src=s, dst=c)
                / ICMPv6EchoReply(id=ident, data=bytes(g.payload())))

    # ICMP errors about a packet from the client, sent back to the client by
    # a router or the server: whole, cut after the ports, cut short inside
    # the embedded IP header (which leaves the mark alone).
    for i in range(48):
        c, s, router = g.client(), g.server(), g.addr(3)
        if i % 2:
            inner = g.ip(c, s) / TCP(sport=g.sport(), dport=g.port())
        else:
            inner = g.ip(c, s) / UDP(sport=g.sport(), dport=g.port())
        raw = bytes(inner)
        hlen = 20 if family == 4 else 40
        cut = (len(raw), hlen + 8, hlen - 4)[i % 3]
        cat = ("icmp-error", "icmp-error", "icmp-error-short")[i % 3]
        src = router if i % 4 < 2 else s
        if family == 4:
            icmp = ICMP(type=(3, 11, 12, 4, 5)[i % 5], code=1)
            add(cat, IP(src=src, dst=c) / icmp / Raw(raw[:cut]))
        else:
            icmp = (ICMPv6DestUnreach(code=4) if i % 2
                    else ICMPv6TimeExceeded())
            add(cat, IPv6(src=src, dst=c) / icmp / Raw(raw[:cut]))

    # Fragments: the first and the later ones.  The ICMP echoes' later
    # fragments hold payload that the kernel reads as an ICMP header.
    for i in range(24):
        c, s = g.client(), g.server()
        l4 = (TCP(sport=g.sport(), dport=g.port()),
              UDP(sport=g.sport(), dport=g.port()),
              ICMP(type=8, id=i) if family == 4
              else ICMPv6EchoRequest(id=i))[i % 3]
        data = bytes([(3, 11, 12, 8, 0)[i % 5]]) * 88
        if family == 4:
            frags = fragment(IP(src=c, dst=s, id=g.rnd.randrange(65536))
                             / l4 / Raw(data), fragsize=40)
        else:
            frags = fragment6(IPv6(src=c, dst=s)
                              / IPv6ExtHdrFragment(id=g.rnd.randrange(1 << 32))
                              / l4 / Raw(data), 96)
        for j, f in enumerate(frags):
            add("frag-first" if j == 0 else "frag-later",
                f if family == 4 else IPv6(bytes(f)))

    if not no_xlate_limits:
        # Headers cut short after 4 bytes of ports.
        for _ in range(6):
            add("l4-short", g.ip_proto(g.client(), g.server(), 6)
                / Raw(struct.pack("!HH", g.sport(), g.port())))
        if family == 6:
            # Atomic fragments: a fragment header, but not fragmented.
            for _ in range(6):
                add("frag-atomic", IPv6(src=g.client(), dst=g.server())
                    / IPv6ExtHdrFragment(offset=0, m=0, id=1)
                    / TCP(sport=g.sport(), dport=g.port()))
    return out


def gen_ct(family, seed):
    """Conversations for conntrack, both directions, as a list of
    (category, IP packet, round): the packets of round N are sent well
    after those of round N - 1, so that no conversation's packets overtake
    each other, which would make them invalid for conntrack."""
    g = Gen(family, seed * 1000 + 43 + family)
    convs = []

    for _ in range(40):
        c, s, sp, dp = g.client(), g.server(), g.sport(), g.port()
        cs = g.rnd.randrange(1 << 32)
        ss = g.rnd.randrange(1 << 32)
        convs.append([
            ("tcp", g.ip(c, s) / TCP(sport=sp, dport=dp, flags="S", seq=cs)),
            ("tcp-reply", g.ip(s, c) / TCP(sport=dp, dport=sp, flags="SA",
                                           seq=ss, ack=cs + 1)),
            ("tcp", g.ip(c, s) / TCP(sport=sp, dport=dp, flags="A",
                                     seq=cs + 1, ack=ss + 1)),
            ("tcp", g.ip(c, s) / TCP(sport=sp, dport=dp, flags="PA",
                                     seq=cs + 1, ack=ss + 1)
             / Raw(b"hello")),
            ("tcp-reply", g.ip(s, c) / TCP(sport=dp, dport=sp, flags="PA",
                                           seq=ss + 1, ack=cs + 6)
             / Raw(b"world!"))])
    for _ in range(40):
        c, s, sp, dp = g.client(), g.server(), g.sport(), g.port()
        convs.append([
            ("udp", g.ip(c, s) / UDP(sport=sp, dport=dp) / g.payload()),
            ("udp-reply", g.ip(s, c) / UDP(sport=dp, dport=sp)
             / g.payload()),
            ("udp", g.ip(c, s) / UDP(sport=sp, dport=dp) / g.payload())])
    for _ in range(30):
        c, s, ident = g.client(), g.server(), g.rnd.randrange(65536)
        if family == 4:
            convs.append([
                ("icmp-echo", IP(src=c, dst=s) / ICMP(type=8, id=ident,
                                                      seq=1)),
                ("icmp-echo-reply", IP(src=s, dst=c) / ICMP(type=0, id=ident,
                                                            seq=1))])
        else:
            convs.append([
                ("icmp-echo", IPv6(src=c, dst=s)
                 / ICMPv6EchoRequest(id=ident, seq=1)),
                ("icmp-echo-reply", IPv6(src=s, dst=c)
                 / ICMPv6EchoReply(id=ident, seq=1))])

    out = []
    for r in range(max(len(conv) for conv in convs)):
        out += [(cat, pkt, r) for conv in convs if r < len(conv)
                for cat, pkt in [conv[r]]]
    return out


def generate(args):
    """Returns the (category, IP packet, round) list that 'args' ask
    for."""
    seed = 0
    for arg in args:
        if arg.startswith("--seed="):
            seed = int(arg[7:])
    pkts = []
    for family in (4, 6):
        if "--ct" in args:
            pkts += [("IPv%d %s" % (family, cat), pkt, r)
                     for cat, pkt, r in gen_ct(family, seed)]
        else:
            pkts += [("IPv%d %s" % (family, cat), pkt, 0)
                     for cat, pkt in gen_stateless(
                         family, "--no-xlate-limits" in args, seed)]
    return sorted(pkts, key=lambda p: p[2])


def cmd_packets(args):
    dst_mac, out_file = [a for a in args if not a.startswith("--")]
    frames = []
    for _, pkt, r in generate(args):
        frame = Ether(src=SRC_MAC, dst=dst_mac) / pkt
        frame.time = r          # The round, see gen_ct().
        frames.append(frame)
    wrpcap(out_file, frames)
    print(len(frames))
    return 0


def cmd_send(args):
    import socket
    import time

    iface, in_file = args
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    last_round = 0
    for i, frame in enumerate(rdpcap(in_file)):
        if frame.time != last_round:
            last_round = frame.time
            time.sleep(0.2)
        sock.send(bytes(frame))
        if i % 8 == 7:
            time.sleep(0.004)
    sock.close()
    return 0


def read_nflog(path):
    """Yields the TLVs of each record of an NFLOG pcap file, as a dict."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    endian = "<" if magic == 0xa1b2c3d4 else ">"
    linktype, = struct.unpack(endian + "I", data[20:24])
    assert linktype == 239, "not an NFLOG capture"
    ofs = 24
    while ofs + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[ofs:ofs + 16])
        rec = data[ofs + 16:ofs + 16 + caplen]
        ofs += 16 + caplen
        tlvs = {}
        p = 4
        while p + 4 <= len(rec):
            # NFLOG TLVs are in host byte order.
            tlen, ttype = struct.unpack("=HH", rec[p:p + 4])
            if tlen < 4:
                break
            tlvs[ttype & 0x7fff] = rec[p + 4:p + tlen]
            p += (tlen + 3) & ~3
        yield tlvs


NFULA_MARK = 2
NFULA_PAYLOAD = 9
NFULA_HWHEADER = 16


def test_records(path):
    """Yields (Open vSwitch's mark, the kernel's mark, IP packet) for each
    of the test's packets in the NFLOG capture 'path'."""
    for tlvs in read_nflog(path):
        hw = tlvs.get(NFULA_HWHEADER, b"")
        if len(hw) < 14 or hw[6:8] != MARKER:
            continue
        ovs_mark = struct.unpack("!I", hw[8:12])[0]
        kernel_mark = (struct.unpack("!I", tlvs[NFULA_MARK])[0]
                       if NFULA_MARK in tlvs else 0)
        yield ovs_mark, kernel_mark, tlvs[NFULA_PAYLOAD]


def cmd_count(args):
    print(sum(1 for _ in test_records(args[0])))
    return 0


def conversation(payload):
    """Returns a key that the packets of one conversation share, in both
    directions, or None for packets that are not part of one."""
    pkt = IP(payload) if payload[0] >> 4 == 4 else IPv6(payload)
    if pkt.haslayer("IPerror") or pkt.haslayer("IPerror6"):
        return None
    ends = (pkt.src, pkt.dst)
    for layer in (TCP, UDP, SCTP):
        if layer in pkt:
            l4 = pkt[layer]
            return (layer.__name__, frozenset(((ends[0], l4.sport),
                                               (ends[1], l4.dport))))
    for layer in (ICMP, ICMPv6EchoRequest, ICMPv6EchoReply):
        if layer in pkt and (layer != ICMP or pkt[ICMP].type in (0, 8)):
            return ("echo", frozenset(ends), pkt[layer].id)
    return None


def cmd_check(args):
    symmetric = "--symmetric" in args
    path, = [a for a in args if not a.startswith("--")]

    # What was sent, by IP packet.
    sent = {}
    for cat, pkt, _ in generate(args):
        sent.setdefault(bytes(pkt), []).append(cat)
    n_sent = sum(len(cats) for cats in sent.values())

    stats = {}
    groups = {}
    n_received = n_mismatches = 0
    for ovs_mark, kernel_mark, payload in test_records(path):
        cats = sent.get(payload)
        if not cats:
            sys.stderr.write("unexpected packet %s\n" % payload.hex())
            n_mismatches += 1
            continue
        cat = cats.pop()
        n_received += 1
        st = stats.setdefault(cat, [0, 0])
        st[0] += 1
        if ovs_mark != kernel_mark:
            st[1] += 1
            n_mismatches += 1
            sys.stderr.write("mismatch: %s: kernel %#x, Open vSwitch %#x: "
                             "%s\n" % (cat, kernel_mark, ovs_mark,
                                        payload.hex()))
        key = conversation(payload) if symmetric else None
        if key is not None:
            ends, marks = groups.setdefault(key, (set(), set()))
            ends.add(payload[12:16] if payload[0] >> 4 == 4
                     else payload[8:24])
            marks.add(kernel_mark)

    for cat in sorted(stats):
        print("%-24s %4d packets, %d mismatches" % (cat + ":", stats[cat][0],
                                                    stats[cat][1]))
    print("total: %d packets sent, %d compared, %d mismatches"
          % (n_sent, n_received, n_mismatches))
    if symmetric:
        both = [marks for marks in groups.values() if len(marks[0]) > 1]
        same = sum(1 for marks in both if len(marks[1]) == 1)
        print("conversations in both directions: %d, with one mark: %d"
              % (len(both), same))
        if same != len(both):
            n_mismatches += 1
    return 1 if n_mismatches or n_received != n_sent else 0


def main(argv):
    cmds = {"packets": cmd_packets, "send": cmd_send, "count": cmd_count,
            "check": cmd_check}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
