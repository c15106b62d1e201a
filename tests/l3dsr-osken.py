#! /usr/bin/python3
"""Test helper for the os-ken action classes of python/ovs_l3dsr.

  l3dsr-osken.py encode VERSION CLASS KEY=VALUE...
      Prints the action's OpenFlow bytes in hex (VERSION 13 or 15).  Each
      VALUE is a Python literal, e.g. entries=((1,"192.0.2.1"),).
  l3dsr-osken.py str CLASS KEY=VALUE...
      Prints str() of the action.
  l3dsr-osken.py decode VERSION HEX
      Decodes the action with os-ken's parser and prints its class, str()
      and its bytes encoded again.
  l3dsr-osken.py error CLASS KEY=VALUE...
      Prints the ValueError that the constructor raises.

This file is linked into the Open vSwitch build tree; the package is found
next to the real file, in the repository's python/ directory.
"""

import ast
import os
import sys

sys.path.insert(0, os.path.join(
    os.path.dirname(os.path.realpath(__file__)), "..", "python"))

import ovs_l3dsr.nx_actions  # noqa: E402,F401 (registers the classes)
from os_ken.ofproto import ofproto_v1_3_parser  # noqa: E402
from os_ken.ofproto import ofproto_v1_5_parser  # noqa: E402

PARSERS = {"13": ofproto_v1_3_parser, "15": ofproto_v1_5_parser}


def make(parser, name, args):
    kwargs = {}
    for arg in args:
        key, _, value = arg.partition("=")
        kwargs[key] = ast.literal_eval(value)
    return getattr(parser, name)(**kwargs)


def encode(action):
    buf = bytearray()
    action.serialize(buf, 0)
    return buf.hex()


def main(args):
    cmd = args[0]
    if cmd == "encode":
        print(encode(make(PARSERS[args[1]], args[2], args[3:])))
    elif cmd == "str":
        print(make(ofproto_v1_3_parser, args[1], args[2:]))
    elif cmd == "decode":
        parser = PARSERS[args[1]]
        action = parser.OFPAction.parser(bytearray.fromhex(args[2]), 0)
        print(type(action).__name__)
        print(action)
        print(encode(action))
    elif cmd == "error":
        try:
            make(ofproto_v1_3_parser, args[1], args[2:])
        except ValueError as e:
            print(e)
            return 0
        print("no error")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
