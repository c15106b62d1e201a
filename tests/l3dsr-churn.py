#! /usr/bin/python3
"""Test helper for tests/system-ovs-l3dsr-atomic.at: traffic while
ovs-l3dsr changes the VIP table.

VIPS is a file of lines "stable|churned VIP DSCP".  Stable VIPs are in every
configuration; churned VIPs come and go.  Each VIP keeps its DSCP, so that
the load balancer's marking never has to change.

  l3dsr-churn.py serve PORT VIPS
      One listening socket per VIP (bound to the VIP with IP_FREEBIND, so
      also while the VIP is not on lo), answering each connection with the
      VIP it was bound to: its own identity, not the address the packet
      came to.
  l3dsr-churn.py sniff IFACE VIPS PORT
      Watches the packets that the server's bridge delivers to IFACE and
      prints "TIME DSCP DST" for each TCP packet to PORT whose destination
      is not the VIP of its DSCP (RIP: not rewritten; another address:
      misdirected), then, on SIGTERM, "packets N".
  l3dsr-churn.py client PORT VIPS RATE TIMEOUT [READY]
      Short TCP connections to every VIP, about RATE per second in all,
      until SIGTERM; then prints one line per connection: "START END VIP
      OUTCOME ANSWER" (times from CLOCK_MONOTONIC, shared by every
      namespace).  Creates file READY, if given, once it runs (Python
      starts slowly on an emulated CPU).
  l3dsr-churn.py churn VIPS CONF N SEED COMMAND...
      Writes CONF for the initial table, then changes it N times, each
      change followed by "COMMAND start" or "COMMAND restart": a restart of
      the unchanged table, or churned VIPs added, removed or both.  Prints
      "START END ACTION VIP,VIP..." per change (the first line is the
      initial table, already applied by the caller).
  l3dsr-churn.py judge VIPS RIP4 RIP6 CHANGES CONNECTIONS PACKETS LIMIT MARGIN
      Prints the figures on stderr and the verdict on stdout (see judge()).
"""

import asyncio
import ipaddress
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time

IP_FREEBIND = 15
IPV6_FREEBIND = 78


def read_vips(path):
    """Returns [(kind, vip, dscp)] with vip as ipaddress objects."""
    vips = []
    with open(path) as f:
        for line in f:
            if line.strip():
                kind, vip, dscp = line.split()
                vips.append((kind, ipaddress.ip_address(vip), int(dscp)))
    return vips


# serve

class Answer(asyncio.Protocol):
    def __init__(self, ident):
        self.ident = ident

    def connection_made(self, transport):
        transport.write(self.ident)
        transport.close()


async def serve(port, vips):
    loop = asyncio.get_running_loop()
    for _, vip, _ in vips:
        if vip.version == 4:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
        else:
            s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((str(vip), port))
        s.listen(1024)
        ident = ("%s\n" % vip).encode()
        await loop.create_server(lambda ident=ident: Answer(ident), sock=s)
    await asyncio.Event().wait()


# sniff

class Stop(Exception):
    pass


def raise_stop(signum, frame):
    raise Stop()


def sniff(iface, vips, port):
    by_dscp = {(vip.version, dscp): vip.packed for _, vip, dscp in vips}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
    s.bind((iface, 0))
    signal.signal(signal.SIGTERM, raise_stop)
    out = sys.stdout
    n = 0
    try:
        while True:
            frame, addr = s.recvfrom(2048)
            t = time.monotonic()
            if addr[2] != socket.PACKET_HOST:
                continue
            ethertype = frame[12:14]
            if ethertype == b"\x08\x00":
                ihl = (frame[14] & 15) * 4
                if frame[23] != 6:
                    continue
                dscp = frame[15] >> 2
                dst = frame[30:34]
                tcp = 14 + ihl
                version = 4
            elif ethertype == b"\x86\xdd":
                if frame[20] != 6:
                    continue
                dscp = ((frame[14] & 15) << 2) | (frame[15] >> 6)
                dst = frame[38:54]
                tcp = 54
                version = 6
            else:
                continue
            if struct.unpack("!H", frame[tcp + 2:tcp + 4])[0] != port:
                continue
            n += 1
            if by_dscp.get((version, dscp)) != dst:
                out.write("%.6f %d %s\n"
                          % (t, dscp, ipaddress.ip_address(dst)))
                out.flush()
    except Stop:
        pass
    print("packets %d" % n, flush=True)


# client

async def one_connection(vip, port, timeout):
    start = time.monotonic()
    answer = "-"
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(str(vip), port), timeout)
        try:
            data = await asyncio.wait_for(
                reader.read(100), timeout - (time.monotonic() - start))
            answer = data.decode().strip() or "-"
            outcome = "ok" if data.endswith(b"\n") else "short"
        finally:
            writer.close()
    except asyncio.TimeoutError:
        outcome = "timeout"
    except ConnectionRefusedError:
        outcome = "refused"
    except ConnectionResetError:
        outcome = "reset"
    except OSError as e:
        outcome = "errno%d" % (e.errno or 0)
    return (start, time.monotonic(), vip, outcome, answer)


async def worker(vip, port, timeout, interval, stop, results):
    await asyncio.sleep(random.random() * interval)
    while not stop.is_set():
        begin = time.monotonic()
        results.append(await one_connection(vip, port, timeout))
        pause = interval - (time.monotonic() - begin)
        if pause > 0:
            await asyncio.sleep(pause)


async def client(port, vips, rate, timeout, ready=None):
    """Three workers per stable VIP, one per churned VIP: the stable VIPs
    are the ones that must never fail."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if ready:
        open(ready, "w").close()
    targets = []
    for kind, vip, _ in vips:
        targets += [vip] * (3 if kind == "stable" else 1)
    interval = len(targets) / rate
    results = []
    await asyncio.gather(*[worker(vip, port, timeout, interval, stop, results)
                           for vip in targets])
    for start, end, vip, outcome, answer in results:
        sys.stdout.write("%.6f %.6f %s %s %s\n"
                         % (start, end, vip, outcome, answer))


# churn

def write_conf(path, vips, present):
    with open(path + ".new", "w") as f:
        for _, vip, dscp in vips:
            if vip in present:
                f.write("%s=%d\n" % (vip, dscp))
    os.rename(path + ".new", path)


def churn(vips, conf, n, seed, command):
    rng = random.Random(seed)
    stable = [vip for kind, vip, _ in vips if kind == "stable"]
    pool = [vip for kind, vip, _ in vips if kind == "churned"]
    # Every other churned VIP of each family.
    present = set(stable) | {v for v in pool
                             if [w for w in pool
                                 if w.version == v.version].index(v) % 2}
    write_conf(conf, vips, present)

    def show(vs):
        return ",".join(str(v) for v in sorted(vs, key=str))

    now = time.monotonic()
    print("%.6f %.6f initial %s" % (now, now, show(present)), flush=True)
    for _ in range(n):
        absent = [v for v in pool if v not in present]
        churned = [v for v in pool if v in present]
        # Each change that removes an address from lo waits for the
        # switch's datapath flows to follow (ovs-l3dsr's REVALIDATE_MSEC):
        # fewer changes remove, but more at once.
        kind = rng.choice(["restart"] * 10 + ["add"] * 5 + ["remove"] * 3
                          + ["swap"])
        if kind in ("add", "swap") and absent:
            n = 1 if kind == "swap" else rng.randint(1, 2)
            present |= set(rng.sample(absent, min(len(absent), n)))
        if kind in ("remove", "swap") and churned:
            n = 1 if kind == "swap" else rng.randint(2, 4)
            present -= set(rng.sample(churned, min(len(churned), n)))
        action = "restart" if kind == "restart" else rng.choice(["start",
                                                                 "restart"])
        write_conf(conf, vips, present)
        start = time.monotonic()
        r = subprocess.run(command + [action], stdout=subprocess.DEVNULL)
        end = time.monotonic()
        if r.returncode:
            print("%s failed with status %d" % (action, r.returncode),
                  file=sys.stderr)
            sys.exit(1)
        print("%.6f %.6f %s %s" % (start, end, action, show(present)),
              flush=True)


# judge

class Absences:
    """When each churned VIP may be missing from the switch's map: from the
    start of each change that removes or adds it (or restarts with it) until
    MARGIN after the change returned, and from the end of a change that
    removed it until the start of the next change.  MARGIN covers datapath
    flows that still apply the old map after the switch took the new one."""

    def __init__(self, changes, margin):
        self.windows = {}
        prev = None
        inf = float("inf")
        vips = self.all_vips(changes)
        for i, (start, end, _, present) in enumerate(changes):
            nxt = changes[i + 1][0] if i + 1 < len(changes) else inf
            for vip in vips:
                if prev is not None and not (vip in present
                                             and vip in prev):
                    self.add(vip, start, end + margin)
                if vip not in present:
                    self.add(vip, end if prev is not None else -inf, nxt)
            prev = present
        for vip, ws in self.windows.items():
            ws.sort()

    @staticmethod
    def all_vips(changes):
        return set().union(*(present for _, _, _, present in changes))

    def add(self, vip, a, b):
        self.windows.setdefault(vip, []).append((a, b))

    def surely_present(self, vip, a, b):
        """True if VIP was in the map all through [a, b]."""
        for wa, wb in self.windows.get(vip, ()):
            if wa <= b and a <= wb:
                return False
        return True


def read_changes(path):
    changes = []
    with open(path) as f:
        for line in f:
            start, end, action, present = line.split()
            changes.append((float(start), float(end), action,
                            {ipaddress.ip_address(v)
                             for v in present.split(",")}))
    return changes


def judge(vips, rips, changes, connections, packets, limit, margin):
    """Every connection to a VIP that is in the map during the LIMIT seconds
    after its start must be answered by that VIP within LIMIT; every packet
    the server's bridge delivers must go to the VIP of its DSCP, or to the
    RIP when that VIP may be missing from the map."""
    kinds = {vip: kind for kind, vip, _ in vips}
    by_dscp = {dscp: vip for _, vip, dscp in vips}
    absences = Absences(changes, margin)
    t0, t1 = changes[0][1], changes[-1][1]
    stats = {}
    errors = []
    worst = {"stable": 0.0, "churned": 0.0}
    for line in open(connections):
        start, end, vip, outcome, answer = line.split()
        start, end = float(start), float(end)
        vip = ipaddress.ip_address(vip)
        kind = kinds[vip]
        key = (kind, vip.version)
        s = stats.setdefault(key, dict.fromkeys(
            ("n", "during", "ok", "slow", "failed", "delayed", "wrong",
             "excused"),
            0))
        s["n"] += 1
        during = t0 <= start <= t1
        s["during"] += during
        took = end - start
        if outcome == "ok" and answer != str(vip):
            s["wrong"] += 1
            errors.append("%.3f s: %s answered by %s"
                          % (start - t0, vip, answer))
            continue
        if outcome == "ok":
            worst[kind] = max(worst[kind], took)
            s["slow"] += 0.3 < took <= limit
        if absences.surely_present(vip, start, start + limit):
            if outcome != "ok":
                s["failed"] += 1
                errors.append("%.3f s: %s %s after %.3f s"
                              % (start - t0, vip, outcome, took))
            elif took > limit:
                s["delayed"] += 1
                errors.append("%.3f s: %s answered after %.3f s"
                              % (start - t0, vip, took))
            else:
                s["ok"] += 1
        elif outcome == "ok":
            s["ok"] += 1
        else:
            s["excused"] += 1

    unrewritten = misdirected = n_packets = 0
    for line in open(packets):
        words = line.split()
        if words[0] == "packets":
            n_packets = int(words[1])
            continue
        t, dscp, dst = float(words[0]), int(words[1]), words[2]
        vip = by_dscp.get(dscp)
        dst = ipaddress.ip_address(dst)
        if vip is not None and dst in rips:
            if absences.surely_present(vip, t, t):
                unrewritten += 1
                errors.append("%.3f s: packet for %s (DSCP %d) reached the "
                              "RIP %s" % (t - t0, vip, dscp, dst))
        else:
            misdirected += 1
            errors.append("%.3f s: packet with DSCP %d delivered to %s"
                          % (t - t0, dscp, dst))

    err = sys.stderr
    kinds_of_changes = dict.fromkeys(
        ("unchanged", "adding", "removing", "adding and removing"), 0)
    for before, after in zip(changes, changes[1:]):
        added, removed = after[3] - before[3], before[3] - after[3]
        kinds_of_changes["adding and removing" if added and removed
                         else "adding" if added
                         else "removing" if removed
                         else "unchanged"] += 1
    print("changes applied: %d in %.1f s (%s; %s)"
          % (len(changes) - 1, t1 - t0,
             ", ".join("%d %s" % (sum(c[2] == a for c in changes[1:]), a)
                       for a in ("start", "restart")),
             ", ".join("%d %s" % (n, k)
                       for k, n in kinds_of_changes.items())), file=err)
    for kind in ("stable", "churned"):
        for version in (4, 6):
            s = stats.get((kind, version))
            if not s:
                continue
            print("%s IPv%d VIPs: %d connections (%d during the changes, "
                  "%.0f/s), %d answered in time (%d after more than "
                  "300 ms), %d failed, %d delayed (> %.0f ms), %d wrong "
                  "identity, %d failed while the VIP was (being) removed"
                  % (kind, version, s["n"], s["during"],
                     s["during"] / max(t1 - t0, 1e-9), s["ok"], s["slow"],
                     s["failed"], s["delayed"], limit * 1000, s["wrong"],
                     s["excused"]),
                  file=err)
    print("slowest answered connection: %.1f ms to a stable VIP, %.1f ms to "
          "a churned VIP" % (worst["stable"] * 1000, worst["churned"] * 1000),
          file=err)
    print("packets to the server: %d, not rewritten while the VIP was "
          "mapped: %d, to a wrong destination: %d"
          % (n_packets, unrewritten, misdirected), file=err)
    for e in errors[:50]:
        print("  " + e, file=err)
    if len(errors) > 50:
        print("  ... %d more" % (len(errors) - 50), file=err)

    def total(field, kind=None):
        return sum(s[field] for (k, _), s in stats.items()
                   if kind in (None, k))

    # The verdict: only zeros pass, whatever the figures above.
    print("changes %d" % (len(changes) - 1))
    for version in (4, 6):
        answered = all(stats.get((k, version), {}).get("ok")
                       for k in ("stable", "churned"))
        print("IPv%d traffic: %s" % (version,
                                     "yes" if answered else "none"))
    print("failed %d delayed %d wrong %d unrewritten %d misdirected %d"
          % (total("failed"), total("delayed"), total("wrong"),
             unrewritten, misdirected))


def main(args):
    cmd = args[0]
    if cmd == "serve":
        asyncio.run(serve(int(args[1]), read_vips(args[2])))
    elif cmd == "sniff":
        sniff(args[1], read_vips(args[2]), int(args[3]))
    elif cmd == "client":
        asyncio.run(client(int(args[1]), read_vips(args[2]),
                           float(args[3]), float(args[4]), *args[5:6]))
    elif cmd == "churn":
        churn(read_vips(args[1]), args[2], int(args[3]), int(args[4]),
              args[5:])
    elif cmd == "judge":
        judge(read_vips(args[1]), {ipaddress.ip_address(a) for a in args[2:4]},
              read_changes(args[4]), args[5], args[6], float(args[7]),
              float(args[8]))
    else:
        sys.exit("unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
