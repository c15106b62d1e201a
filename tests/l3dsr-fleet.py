#! /usr/bin/python3
"""Test helper for tests/system-l3dsr-controller.at.

  l3dsr-fleet.py serve NAME PORT
      TCP server on every address (IPv4 and IPv6), answering each
      connection with "NAME ADDRESS", ADDRESS being the local address the
      connection came to (the VIP, if the server bridge restored it).
  l3dsr-fleet.py client SECONDS PORT VIP...
      Connects to the VIPs in turn for SECONDS (at least one round) and
      prints "requests N failed M wrong W": failed = no answer, wrong = an
      answer that does not name the VIP the client connected to.
  l3dsr-fleet.py ask PORT VIP
      One request; prints the answer.
  l3dsr-fleet.py controller ARGS...
      Runs this repository's ovs-l3dsr-controller with ARGS.
"""

import ipaddress
import os
import socket
import socketserver
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        addr = ipaddress.ip_address(self.request.getsockname()[0])
        if addr.version == 6 and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        self.request.sendall(("%s %s\n" % (self.server.name, addr)).encode())


class Server(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def ask(port, vip, timeout=1.0):
    with socket.create_connection((vip, port), timeout=timeout) as s:
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
    return data.decode().strip()


def client(seconds, port, vips):
    n = failed = wrong = 0
    end = time.time() + seconds
    while True:
        for vip in vips:
            n += 1
            try:
                answer = ask(port, vip).split()
                if len(answer) != 2 or (ipaddress.ip_address(answer[1])
                                        != ipaddress.ip_address(vip)):
                    wrong += 1
                    print("wrong answer from %s: %s" % (vip, answer),
                          file=sys.stderr)
            except OSError as e:
                failed += 1
                print("%s: %s" % (vip, e), file=sys.stderr)
        if time.time() >= end:
            break
    print("requests %d failed %d wrong %d" % (n, failed, wrong))


def main(args):
    if args[0] == "serve":
        server = Server(("::", int(args[2])), Handler)
        server.name = args[1]
        server.serve_forever()
    elif args[0] == "client":
        client(float(args[1]), int(args[2]), args[3:])
    elif args[0] == "ask":
        print(ask(int(args[1]), args[2]))
    elif args[0] == "controller":
        prog = os.path.join(HERE, "..", "python", "ovs-l3dsr-controller")
        os.execv(sys.executable, [sys.executable, prog] + args[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
