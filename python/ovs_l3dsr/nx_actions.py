"""os-ken classes for the Open vSwitch extension actions of ovs-l3dsr.

Importing this module adds two classes to the OpenFlow 1.3 and 1.5 parsers
of os-ken (os_ken.ofproto.ofproto_v1_3_parser and ofproto_v1_5_parser), next
to os-ken's own NX actions, and registers them so that os-ken decodes them
in flow stats and other messages:

    parser.NXActionSetDaddrOnDscp(entries)
    parser.NXActionHmark(rnd, mod, ...)

The encoding is the one of docs/wire-format.md (set_daddr_on_dscp, Nicira
subtype 200) and docs/hmark.md (hmark, subtype 201).  str() of an action is
its ovs-ofctl text, e.g. "set_daddr_on_dscp(1=72.30.38.140)".
"""

import ipaddress
import struct

from os_ken.lib.pack_utils import msg_pack_into

NXAST_SET_DADDR_ON_DSCP = 200
NXAST_HMARK = 201

# hmark's option flags (docs/hmark.md), in the order of its canonical text.
HMARK_SRC_PREFIX = 0x0001
HMARK_DST_PREFIX = 0x0002
HMARK_SPORT_MASK = 0x0004
HMARK_DPORT_MASK = 0x0008
HMARK_SPI_MASK = 0x0010
HMARK_SPORT = 0x0020
HMARK_DPORT = 0x0040
HMARK_SPI = 0x0080
HMARK_PROTO_MASK = 0x0100
HMARK_CT = 0x0200

# option name, flag, largest value, whether its text is hexadecimal.
_HMARK_OPTIONS = [
    ("src_prefix", HMARK_SRC_PREFIX, 128, False),
    ("dst_prefix", HMARK_DST_PREFIX, 128, False),
    ("sport_mask", HMARK_SPORT_MASK, 0xffff, True),
    ("dport_mask", HMARK_DPORT_MASK, 0xffff, True),
    ("spi_mask", HMARK_SPI_MASK, 0xffffffff, True),
    ("proto_mask", HMARK_PROTO_MASK, 0xffff, True),
    ("sport", HMARK_SPORT, 0xffff, False),
    ("dport", HMARK_DPORT, 0xffff, False),
    ("spi", HMARK_SPI, 0xffffffff, True),
]

# tuple= field: the option it stands for and the option's full value.
_HMARK_TUPLE = [
    ("src", "src_prefix", 128),
    ("dst", "dst_prefix", 128),
    ("sport", "sport_mask", 0xffff),
    ("dport", "dport_mask", 0xffff),
    ("spi", "spi_mask", 0xffffffff),
    ("proto", "proto_mask", 0xffff),
]


def _canonical_entries(entries):
    """Checks (DSCP, address) pairs and returns them as (family, DSCP,
    ipaddress object) in the canonical order: IPv4 first, by DSCP."""
    result = []
    seen = set()
    for dscp, addr in entries:
        addr = ipaddress.ip_address(addr)
        if not isinstance(dscp, int) or not 0 <= dscp <= 63:
            raise ValueError("DSCP %r is not a number between 0 and 63"
                             % (dscp,))
        if (addr.version, dscp) in seen:
            raise ValueError("DSCP %d given twice for IPv%d"
                             % (dscp, addr.version))
        seen.add((addr.version, dscp))
        result.append((addr.version, dscp, addr))
    if not result:
        raise ValueError("set_daddr_on_dscp needs at least one entry")
    return sorted(result, key=lambda e: (e[0], e[1]))


def _format_subfield(field, ofs, n_bits, width):
    """Formats a field or subfield as ovs-ofctl accepts it."""
    if ofs == 0 and n_bits == width:
        return field
    if n_bits == 1:
        return "%s[%d]" % (field, ofs)
    return "%s[%d..%d]" % (field, ofs, ofs + n_bits - 1)


def generate(ofp, ofpp):
    """Defines both action classes for the os-ken OpenFlow protocol module
    'ofp' and its parser module 'ofpp', and registers them there."""

    NXAction = ofpp.NXAction

    class NXActionSetDaddrOnDscp(NXAction):
        """set_daddr_on_dscp(DSCP=ADDR,...): if an IPv4 or IPv6 packet's
        (family, DSCP) has an entry, its destination becomes the entry's
        address.

        'entries' is a list of (dscp, address) pairs, the address an IPv4 or
        IPv6 address (string or ipaddress object).  One IPv4 and one IPv6
        entry may share a DSCP.  Example::

            actions += [parser.NXActionSetDaddrOnDscp(
                entries=[(1, "72.30.38.140"), (10, "fc00:1000:0:6::10")])]
        """
        _subtype = NXAST_SET_DADDR_ON_DSCP
        _hdr_fmt = "!H4x"      # n_entries, pad
        _v4_fmt = "!BB2x4s"    # family, dscp, pad, addr
        _v6_fmt = "!BB6x16s"

        def __init__(self, entries,
                     type_=None, len_=None, experimenter=None, subtype=None):
            super(NXActionSetDaddrOnDscp, self).__init__()
            self.entries = [(dscp, str(addr))
                            for _, dscp, addr in _canonical_entries(entries)]

        @classmethod
        def parser(cls, buf):
            (n_entries,) = struct.unpack_from(cls._hdr_fmt, buf, 0)
            ofs = struct.calcsize(cls._hdr_fmt)
            entries = []
            for _ in range(n_entries):
                family, dscp = struct.unpack_from("!BB", buf, ofs)
                if family == 4:
                    _, _, addr = struct.unpack_from(cls._v4_fmt, buf, ofs)
                    ofs += struct.calcsize(cls._v4_fmt)
                elif family == 6:
                    _, _, addr = struct.unpack_from(cls._v6_fmt, buf, ofs)
                    ofs += struct.calcsize(cls._v6_fmt)
                else:
                    raise ValueError("set_daddr_on_dscp: bad family %d"
                                     % family)
                entries.append((dscp, ipaddress.ip_address(addr)))
            return cls(entries)

        def serialize_body(self):
            data = bytearray()
            msg_pack_into(self._hdr_fmt, data, 0, len(self.entries))
            for family, dscp, addr in _canonical_entries(self.entries):
                fmt = self._v4_fmt if family == 4 else self._v6_fmt
                msg_pack_into(fmt, data, len(data), family, dscp,
                              addr.packed)
            return data

        def __str__(self):
            return "set_daddr_on_dscp(%s)" % ",".join(
                "%d=%s" % (dscp, addr) for dscp, addr in self.entries)

    class NXActionHmark(NXAction):
        """hmark(...): xt_HMARK's hash of the packet's masked addresses,
        ports or SPI and protocol, scaled to 'mod' values plus 'offset',
        written to 'dst' (pkt_mark by default).

        The options are those of docs/hmark.md: 'tuple' (a list of src,
        dst, sport, dport, spi, proto, ct), src_prefix, dst_prefix,
        sport_mask, dport_mask, spi_mask, proto_mask, sport, dport, spi
        (None when not given), rnd and mod (required), offset, and the
        destination 'dst' (an os-ken field name) with 'ofs' and 'n_bits'
        (by default up to the end of the field's bytes: give 'n_bits' for a
        field narrower than its bytes, such as ip_dscp).  Example::

            actions += [parser.NXActionHmark(
                tuple=["src", "dst", "sport", "dport", "proto"],
                rnd=0x12345678, mod=4, offset=100)]
        """
        _subtype = NXAST_HMARK
        # flags, src_prefix, dst_prefix, proto_mask, port_mask, port_set,
        # rnd, mod, offset, ofs_nbits, pad; then dst's header and zeros up
        # to 48 bytes (38 after the subtype).
        _fmt_str = "!HBBHIIIIIH2x"
        _body_len = 38
        _TYPE = {"ascii": ["dst"]}

        def __init__(self, rnd, mod, tuple=None, src_prefix=None,
                     dst_prefix=None, sport_mask=None, dport_mask=None,
                     spi_mask=None, proto_mask=None, sport=None, dport=None,
                     spi=None, ct=False, offset=0, dst="pkt_mark", ofs=0,
                     n_bits=None,
                     type_=None, len_=None, experimenter=None, subtype=None):
            super(NXActionHmark, self).__init__()
            options = dict(src_prefix=src_prefix, dst_prefix=dst_prefix,
                           sport_mask=sport_mask, dport_mask=dport_mask,
                           spi_mask=spi_mask, proto_mask=proto_mask,
                           sport=sport, dport=dport, spi=spi)
            for field in tuple or []:
                if field == "ct":
                    ct = True
                    continue
                option = {t[0]: t for t in _HMARK_TUPLE}.get(field)
                if option is None:
                    raise ValueError("unknown hmark tuple field %r" % field)
                if options[option[1]] is not None:
                    raise ValueError("%s given twice" % option[1])
                options[option[1]] = option[2]
            for name, _, limit, _ in _HMARK_OPTIONS:
                value = options[name]
                if value is not None and not 0 <= value <= limit:
                    raise ValueError("%s must be between 0 and %d"
                                     % (name, limit))
                setattr(self, name, value)
            if not 0 <= rnd <= 0xffffffff or not 0 <= offset <= 0xffffffff:
                raise ValueError("rnd and offset must fit in 32 bits")
            if not 1 <= mod <= 0xffffffff:
                raise ValueError("mod must be between 1 and 4294967295")
            if self.spi_mask is not None and (self.sport_mask is not None
                                              or self.dport_mask is not None):
                raise ValueError("spi_mask cannot be combined with "
                                 "sport_mask or dport_mask")
            if self.spi is not None and (self.sport is not None
                                         or self.dport is not None):
                raise ValueError("spi cannot be combined with sport or dport")
            if not ct and all(v is None for v in options.values()):
                raise ValueError("hmark needs something to hash")
            self.ct = bool(ct)
            self.rnd = rnd
            self.mod = mod
            self.offset = offset
            self.dst = dst
            self.ofs = ofs
            self.n_bits = n_bits

        def _flags(self):
            flags = HMARK_CT if self.ct else 0
            for name, flag, _, _ in _HMARK_OPTIONS:
                if getattr(self, name) is not None:
                    flags |= flag
            return flags

        def _value(self, name):
            value = getattr(self, name)
            return 0 if value is None else value

        def _dst_width(self):
            n = ofp.oxm_from_user_header(self.dst)
            hdr = bytearray()
            ofp.oxm_serialize_header(n, hdr, 0)
            length = hdr[3]
            if hdr[:2] == b"\xff\xff":
                length -= 4     # An experimenter OXM's length counts its ID.
            return hdr, length * 8

        @classmethod
        def parser(cls, buf):
            (flags, src_prefix, dst_prefix, proto_mask, port_mask, port_set,
             rnd, mod, offset, ofs_nbits) = struct.unpack_from(
                 cls._fmt_str, buf, 0)
            (n, _) = ofp.oxm_parse_header(buf, struct.calcsize(cls._fmt_str))
            values = {
                "src_prefix": src_prefix,
                "dst_prefix": dst_prefix,
                "sport_mask": port_mask >> 16,
                "dport_mask": port_mask & 0xffff,
                "spi_mask": port_mask,
                "proto_mask": proto_mask,
                "sport": port_set >> 16,
                "dport": port_set & 0xffff,
                "spi": port_set,
            }
            kwargs = {name: values[name]
                      for name, flag, _, _ in _HMARK_OPTIONS
                      if flags & flag}
            return cls(rnd=rnd, mod=mod, offset=offset,
                       ct=bool(flags & HMARK_CT),
                       dst=ofp.oxm_to_user_header(n), ofs=ofs_nbits >> 6,
                       n_bits=(ofs_nbits & 0x3f) + 1, **kwargs)

        def serialize_body(self):
            hdr, width = self._dst_width()
            n_bits = width - self.ofs if self.n_bits is None else self.n_bits
            if self.spi_mask is not None:
                port_mask = self.spi_mask
            else:
                port_mask = (self._value("sport_mask") << 16
                             | self._value("dport_mask"))
            if self.spi is not None:
                port_set = self.spi
            else:
                port_set = self._value("sport") << 16 | self._value("dport")
            data = bytearray()
            msg_pack_into(self._fmt_str, data, 0, self._flags(),
                          self._value("src_prefix"),
                          self._value("dst_prefix"),
                          self._value("proto_mask"), port_mask, port_set,
                          self.rnd, self.mod, self.offset,
                          self.ofs << 6 | (n_bits - 1))
            data += hdr
            data += bytes(self._body_len - len(data))
            return data

        def __str__(self):
            opts = []
            tuple_fields = []
            full = {option: value for _, option, value in _HMARK_TUPLE}
            names = {option: field for field, option, _ in _HMARK_TUPLE}
            for name, _, _, _ in _HMARK_OPTIONS:
                if name in full and getattr(self, name) == full[name]:
                    tuple_fields.append((name, names[name]))
            order = [option for _, option, _ in _HMARK_TUPLE]
            tuple_fields.sort(key=lambda f: order.index(f[0]))
            fields = [field for _, field in tuple_fields]
            if self.ct:
                fields.append("ct")
            if fields:
                opts.append("tuple=" + "+".join(fields))
            in_tuple = {name for name, _ in tuple_fields}
            for name, _, _, is_hex in _HMARK_OPTIONS:
                value = getattr(self, name)
                if value is not None and name not in in_tuple:
                    opts.append(("%s=%#x" if is_hex else "%s=%d")
                                % (name, value))
            opts.append("rnd=%#x" % self.rnd)
            opts.append("mod=%d" % self.mod)
            if self.offset:
                opts.append("offset=%d" % self.offset)
            hdr, width = self._dst_width()
            n_bits = width - self.ofs if self.n_bits is None else self.n_bits
            if self.dst != "pkt_mark" or self.ofs or n_bits != width:
                opts.append("dst=" + _format_subfield(self.dst, self.ofs,
                                                      n_bits, width))
            return "hmark(%s)" % ",".join(opts)

    for cls in (NXActionSetDaddrOnDscp, NXActionHmark):
        cls.__module__ = ofpp.__name__    # For os-ken's stringify.
        setattr(ofpp, cls.__name__, cls)
        NXAction.register(cls)


def _generate_all():
    from os_ken.ofproto import ofproto_v1_3, ofproto_v1_3_parser
    from os_ken.ofproto import ofproto_v1_5, ofproto_v1_5_parser
    for ofp, ofpp in ((ofproto_v1_3, ofproto_v1_3_parser),
                      (ofproto_v1_5, ofproto_v1_5_parser)):
        if not hasattr(ofpp, "NXActionHmark"):
            generate(ofp, ofpp)


_generate_all()
