"""The configuration of ovs-l3dsr-controller: a small INI file that names
the dsr.conf files (the VIP table of the fleet), the load balancer's bridge
and the servers' bridges.  See ovs-l3dsr-controller(8)."""

import configparser
import glob
import ipaddress
import os
import re

DEFAULT_COOKIE = 0x4c33445352430000     # "L3DSRC" then zeros.


class ConfigError(Exception):
    pass


def parse_dscp(text):
    """A DSCP as dsr.conf writes it: decimal, octal with a leading zero or
    hexadecimal with 0x."""
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        value = int(text, 16)
    elif re.fullmatch(r"0[0-7]+", text):
        value = int(text, 8)
    elif re.fullmatch(r"[0-9]+", text):
        value = int(text, 10)
    else:
        raise ValueError('"%s" is not a number' % text)
    if value > 63:
        raise ValueError('DSCP "%s" is out of range (maximum 63)' % text)
    return value


def parse_dsr_conf(name, text, warn):
    """Parses dsr.conf 'text' and returns its L3DSR entries as a list of
    (vip, dscp, "file:line").  Malformed entries are reported through
    'warn' and ignored, as dsrctl does; L2DSR entries (a VIP alone) need no
    flow and are left out."""
    entries = []
    for n, line in enumerate(text.splitlines(), 1):
        line = re.sub(r"\s", "", line.split("#", 1)[0])
        if not line:
            continue
        where = "%s:%d" % (name, n)
        vip, eq, dscp = line.partition("=")
        try:
            addr = ipaddress.ip_address(vip)
            if (addr.is_unspecified or addr.is_loopback or addr.is_multicast
                    or str(addr) == "255.255.255.255"):
                raise ValueError("%s cannot be a VIP" % vip)
            if eq:
                entries.append((addr, parse_dscp(dscp), where))
        except ValueError as e:
            warn('%s: "%s": %s; entry ignored' % (where, line, e))
    return entries


def build_table(entries):
    """Checks that a DSCP stands for one VIP per family and returns the
    table as a sorted list of (vip, dscp) without repeats."""
    owner = {}
    errors = []
    table = set()
    for vip, dscp, where in entries:
        key = (vip.version, dscp)
        if key in owner and owner[key][0] != vip:
            errors.append("%s: DSCP %d of IPv%d is already %s (%s)"
                          % (where, dscp, vip.version, owner[key][0],
                             owner[key][1]))
            continue
        owner.setdefault(key, (vip, where))
        table.add((vip, dscp))
    if errors:
        raise ConfigError("; ".join(errors))
    return sorted(table, key=lambda e: (e[0].version, e[1], e[0]))


def _int(text):
    return int(text, 0)


class Server(object):
    def __init__(self, name, section):
        self.name = name
        self.dpid = _int(section["dpid"])
        self.mac = section.get("mac")
        self.ipv4 = section.get("ipv4")
        self.ipv6 = section.get("ipv6")
        self.in_port = (_int(section["in_port"]) if "in_port" in section
                        else None)
        for addr, version in ((self.ipv4, 4), (self.ipv6, 6)):
            if addr and ipaddress.ip_address(addr).version != version:
                raise ConfigError("server %s: %s is not an IPv%d address"
                                  % (name, addr, version))
        if (self.ipv4 or self.ipv6) and not self.mac:
            raise ConfigError("server %s: mac is required with an address"
                              % name)


class Config(object):
    """The whole configuration: 'table' (list of (vip, dscp)), 'lb' (dpid,
    mac, port) or None, 'servers' (list of Server)."""

    def __init__(self, path, warn):
        parser = configparser.ConfigParser()
        try:
            with open(path) as f:
                parser.read_file(f)
        except (OSError, configparser.Error) as e:
            raise ConfigError("%s: %s" % (path, e))
        try:
            self._load(path, parser, warn)
        except (KeyError, ValueError) as e:
            raise ConfigError("%s: %s" % (path, e))

    def _load(self, path, parser, warn):
        ctl = parser["controller"] if "controller" in parser else {}
        self.cookie = _int(ctl.get("cookie", hex(DEFAULT_COOKIE)))
        self.priority = _int(ctl.get("priority", "1000"))
        self.lb_priority = _int(ctl.get("lb_priority", "100"))
        base = os.path.dirname(os.path.abspath(path))
        entries = []
        names = []
        for pattern in ctl.get("dsr_conf", "/etc/dsr.d/*.conf").split():
            names += sorted(glob.glob(os.path.join(base, pattern)))
        for name in names:
            with open(name) as f:
                entries += parse_dsr_conf(name, f.read(), warn)
        self.table = build_table(entries)
        self.lb = None
        if "lb" in parser:
            lb = parser["lb"]
            self.lb = {"dpid": _int(lb["dpid"]), "mac": lb["mac"],
                       "port": lb.get("port", "in_port")}
        self.servers = [Server(s.split(None, 1)[1], parser[s])
                        for s in parser.sections()
                        if s.startswith("server ")]
        dpids = [s.dpid for s in self.servers]
        if self.lb:
            dpids.append(self.lb["dpid"])
        if len(set(dpids)) != len(dpids):
            raise ConfigError("a datapath id is given twice")
