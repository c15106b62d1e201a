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
    l3dsr-hmark.py send [--interval=SECONDS] IFACE IN.pcap
        Sends the frames of IN.pcap on IFACE, a few at a time, or one every
        SECONDS.
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
namespace.  There, in a chain that PREROUTING calls before the kernel
reassembles fragments, the kernel's HMARK target with the same options sets
the packet's mark, and an NFLOG rule sends each packet to a netlink group,
from which tcpdump writes a pcap file of link type NFLOG.  Each NFLOG record
carries the kernel's mark (NFULA_MARK, absent if zero), the MAC header as
received (NFULA_HWHEADER, with Open vSwitch's mark in the source address)
and the IP packet (NFULA_PAYLOAD).  So one record holds both marks of the
same packet.

On the kernel datapath the packet can instead carry Open vSwitch's mark
itself into the host's stack, through the bridge's internal port: there the
chain first logs it with the prefix "ovs-mark", then clears the mark and
lets HMARK set its own (see test_records()).

The packets cover IPv4 and IPv6; TCP, UDP and SCTP in both directions; ESP
and AH; DCCP and UDP-Lite; ICMP and ICMPv6 echo requests and replies; ICMP
and ICMPv6 errors that carry TCP and UDP headers, complete, cut after the
ports, and cut inside the IP header; first and later fragments (of TCP, UDP
and ICMP); IPv4 options; IPv6 extension headers; and a protocol without
ports.  With --ct, instead, whole conversations for conntrack (TCP
handshakes and data, UDP, ICMP and ICMPv6 echo) in both directions.

--no-xlate-limits leaves out the packets whose mark translation cannot
compute from a flow and that it cannot recognize either (docs/hmark.md,
"Limitations"): IPv6 packets with an AH and IPv6 atomic fragments.  The
datapath action computes their marks exactly.

The packets are built with scapy (l3dsr_hmark_packets.py), or read from the
cache that $L3DSR_PACKET_CACHE names, if set (tests/l3dsr_packet_cache.py).
"""

import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import l3dsr_packet_cache  # noqa: E402

SRC_MAC = "02:aa:00:00:00:00"
MARKER = bytes.fromhex("02aa")
GENERATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "l3dsr_hmark_packets.py")


def test_packets(args):
    """Returns the test packets that 'args' ask for, as a list of (category,
    IP packet as bytes, round, conversation key).  l3dsr_hmark_packets
    builds them with scapy, unless the directory $L3DSR_PACKET_CACHE holds
    them from an earlier run with the same options and generator: the
    kernel tests, in a VM without KVM, find there those that the userspace
    tests built natively."""
    options = sorted(a for a in args
                     if a in ("--ct", "--no-xlate-limits")
                     or a.startswith("--seed="))
    with open(GENERATOR, "rb") as f:
        key = repr(options).encode() + f.read()

    def build():
        import l3dsr_hmark_packets
        return l3dsr_hmark_packets.packet_list(options)
    return l3dsr_packet_cache.cached("hmark", key, build)


def read_pcap(path):
    """Yields (link type, seconds of the timestamp, data) for each record of
    the pcap file 'path'."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    endian = "<" if magic == 0xa1b2c3d4 else ">"
    linktype, = struct.unpack(endian + "I", data[20:24])
    ofs = 24
    while ofs + 16 <= len(data):
        sec, _, caplen, _ = struct.unpack(endian + "IIII", data[ofs:ofs + 16])
        yield linktype, sec, data[ofs + 16:ofs + 16 + caplen]
        ofs += 16 + caplen


def cmd_packets(args):
    dst_mac, out_file = [a for a in args if not a.startswith("--")]
    eth = bytes.fromhex(dst_mac.replace(":", "") + SRC_MAC.replace(":", ""))
    with open(out_file, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        packets = test_packets(args)
        for _, payload, r, _ in packets:
            frame = eth + (b"\x08\x00" if payload[0] >> 4 == 4
                           else b"\x86\xdd") + payload
            # The timestamp holds the round, see gen_ct().
            f.write(struct.pack("<IIII", r, 0, len(frame), len(frame)))
            f.write(frame)
    print(len(packets))
    return 0


def cmd_send(args):
    import socket

    interval = None
    for arg in [a for a in args if a.startswith("--interval=")]:
        interval = float(arg[11:])
    iface, in_file = [a for a in args if not a.startswith("--")]
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    last_round = 0
    for i, (_, r, frame) in enumerate(read_pcap(in_file)):
        if r != last_round:
            last_round = r
            time.sleep(0.2)
        sock.send(frame)
        if interval is not None:
            time.sleep(interval)
        elif i % 8 == 7:
            time.sleep(0.004)
    sock.close()
    return 0


def read_nflog(path):
    """Yields the TLVs of each record of an NFLOG pcap file, as a dict."""
    for linktype, _, rec in read_pcap(path):
        assert linktype == 239, "not an NFLOG capture"
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
NFULA_PREFIX = 10
NFULA_HWHEADER = 16
OVS_MARK_PREFIX = b"ovs-mark\0"


def test_records(path):
    """Yields (Open vSwitch's mark, the kernel's mark, IP packet) for each
    of the test's packets in the NFLOG capture 'path'.

    Open vSwitch's mark is in the source MAC address, or, when the packets
    reached the reference with the marks that Open vSwitch gave them, in an
    earlier record of the same packet with the prefix "ovs-mark" (the
    reference logs the packet, clears the mark, runs HMARK and logs it
    again).  Records of different packets may interleave, when two CPUs
    handle them, so a packet's two records are paired by its bytes; a
    packet without its "ovs-mark" record gets None as Open vSwitch's
    mark."""
    ovs_marks = {}
    marks_logged = None     # Whether the capture has "ovs-mark" records.
    for tlvs in read_nflog(path):
        hw = tlvs.get(NFULA_HWHEADER, b"")
        if len(hw) < 14 or hw[6:8] != MARKER:
            continue
        mark = (struct.unpack("!I", tlvs[NFULA_MARK])[0]
                if NFULA_MARK in tlvs else 0)
        payload = tlvs[NFULA_PAYLOAD]
        is_ovs_mark = tlvs.get(NFULA_PREFIX) == OVS_MARK_PREFIX
        if marks_logged is None:
            marks_logged = is_ovs_mark
        if is_ovs_mark:
            ovs_marks.setdefault(payload, []).append(mark)
        elif marks_logged:
            pending = ovs_marks.get(payload)
            yield pending.pop(0) if pending else None, mark, payload
        else:
            yield struct.unpack("!I", hw[8:12])[0], mark, payload


def cmd_count(args):
    print(sum(1 for _ in test_records(args[0])))
    return 0


def cmd_check(args):
    symmetric = "--symmetric" in args
    path, = [a for a in args if not a.startswith("--")]

    # What was sent, by IP packet.
    sent = {}
    conversations = {}
    for cat, payload, _, key in test_packets(args):
        sent.setdefault(payload, []).append(cat)
        conversations[payload] = key
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
            sys.stderr.write("mismatch: %s: kernel %#x, Open vSwitch %s: "
                             "%s\n" % (cat, kernel_mark,
                                        "?" if ovs_mark is None
                                        else "%#x" % ovs_mark,
                                        payload.hex()))
        key = conversations[payload] if symmetric else None
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
