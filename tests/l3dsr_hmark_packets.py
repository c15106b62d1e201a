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

"""The packets of the hmark differential test, built with scapy.

l3dsr-hmark.py (see there) imports this module only when it has to build
the packets: importing scapy takes a second here and tens of seconds in
the kernel tests' VM."""

import random
import struct

from scapy.all import (ICMP, IP, SCTP, TCP, UDP, ICMPv6DestUnreach,
                       ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6TimeExceeded,
                       IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, fragment, fragment6)

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

    # Headers cut short after 4 bytes of ports.
    for _ in range(6):
        add("l4-short", g.ip_proto(g.client(), g.server(), 6)
            / Raw(struct.pack("!HH", g.sport(), g.port())))
    if not no_xlate_limits:
        if family == 6:
            # Atomic fragments: a fragment header, but not fragmented.
            for _ in range(6):
                add("frag-atomic", IPv6(src=g.client(), dst=g.server())
                    / IPv6ExtHdrFragment(offset=0, m=0, id=1)
                    / TCP(sport=g.sport(), dport=g.port()))

    # TCP, UDP and SCTP headers cut short: before the end of the ports
    # (l4-cut: 0 to 3 bytes, no ports, the values not ORed in), or after
    # them but before the end of the fixed header (l4-part), which Open
    # vSwitch's flow extraction does not parse but xt_HMARK hashes, and a
    # whole TCP header whose data offset runs past the end.
    fixed = {6: 20, 17: 8, 132: 12}
    for cat, n in (("l4-cut", 8), ("l4-part", 8)):
        for _ in range(n):
            proto = g.rnd.choice(sorted(fixed))
            length = (g.rnd.randrange(4) if cat == "l4-cut"
                      else g.rnd.randrange(4, fixed[proto]))
            l4 = (struct.pack("!HH", g.sport(), g.port())
                  + g.payload(16).load)[:length]
            add(cat, g.ip_proto(g.client(), g.server(), proto) / Raw(l4))
    for _ in range(2):
        add("l4-part", g.ip_proto(g.client(), g.server(), 6)
            / TCP(sport=g.sport(), dport=g.port(), dataofs=15, flags="S"))
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


def packet_list(args):
    """Returns generate(args) as a list of (category, IP packet as bytes,
    round, conversation key)."""
    out = []
    for cat, pkt, r in generate(args):
        payload = bytes(pkt)
        out.append((cat, payload, r, conversation(payload)))
    return out
