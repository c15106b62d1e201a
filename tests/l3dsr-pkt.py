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

"""Prints the test packets of set_daddr_on_dscp, which scapy builds
independently of Open vSwitch (tests/l3dsr_pkt_cases.py).

    l3dsr-pkt.py input CASE...      hex of the packet sent into the bridge
    l3dsr-pkt.py expected CASE...   hex of the packet that must come out
    l3dsr-pkt.py list               the case names
    l3dsr-pkt.py robustness         "HEX MINLEN" for every IP case, see below

For "robustness", MINLEN is the shortest truncation of the input packet that
the datapath action may rewrite: one that still holds the L4 header up to the
end of its fixed part when an L4 checksum covers the destination (TCP 20
bytes, UDP 8, ICMPv6 4), otherwise the whole IP header.  Every shorter
truncation must come out unchanged.

If $L3DSR_PACKET_CACHE names a directory, every case is built once, by the
first call, and kept there for the calls that follow (see packet_tables()).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import l3dsr_packet_cache  # noqa: E402

BUILDER = os.path.join(HERE, "l3dsr_pkt_cases.py")


def build_tables():
    """Builds every case's packets with scapy, as the tables that
    packet_tables() returns."""
    from l3dsr_pkt_cases import CASES, build, min_rewrite_len
    inputs = {case: build(case, False) for case in CASES}
    return {
        "list": list(CASES),
        "input": inputs,
        "expected": {case: build(case, True) for case in CASES},
        "robustness": ["%s %d" % (inputs[case], min_rewrite_len(case))
                       for case, (family, _, _) in CASES.items() if family],
    }


def packet_tables():
    """Returns each command's answers: "list" and "robustness" as lists of
    lines, "input" and "expected" as dicts from case to hex.  More than 50
    tests each ask for a case or two, and importing scapy takes longer than
    the rest of such a test: with $L3DSR_PACKET_CACHE set, the first call
    builds every case and the others read them (l3dsr_packet_cache).  The
    key is the builder's text, so an edited builder builds anew."""
    with open(BUILDER, "rb") as f:
        key = f.read()
    return l3dsr_packet_cache.cached("l3dsr-pkt", key, build_tables)


def main(argv):
    if len(argv) == 2 and argv[1] in ("list", "robustness"):
        print("\n".join(packet_tables()[argv[1]]))
        return 0
    if len(argv) < 3 or argv[1] not in ("input", "expected"):
        sys.stderr.write(__doc__)
        return 1
    table = packet_tables()[argv[1]]
    for case in argv[2:]:
        if case not in table:
            sys.stderr.write("l3dsr-pkt.py: unknown case %s\n" % case)
            return 1
        print(table[case])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
