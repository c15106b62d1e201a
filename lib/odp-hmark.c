/*
 * Copyright (c) 2026 The ovs-l3dsr authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#include <config.h>

#include "odp-hmark.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/icmp6.h>
#include <string.h>

#include "dp-packet.h"
#include "dpif.h"
#include "flow.h"
#include "hmark.h"
#include "jhash.h"
#include "l3dsr-number.h"
#include "netlink.h"
#include "odp-l3dsr.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "unaligned.h"
#include "util.h"

void
odp_hmark_put(const struct ofpact_hmark *a, struct ofpbuf *odp_actions)
{
    struct ovs_action_hmark p;

    hmark_to_odp(a, &p);
    nl_msg_put_unspec(odp_actions, OVS_ACTION_ATTR_HMARK, &p, sizeof p);
}

/* A field of the datapath action's text syntax.  The one table below serves
 * odp_hmark_format() and odp_hmark_parse(); its fields are those of struct
 * ovs_action_hmark, masks instead of the OpenFlow action's prefixes (whose
 * table is in hmark.c). */
enum odp_hmark_type {
    ODP_HMARK_MASK,             /* struct in6_addr: a prefix length, or an
                                 * IPv6 address if it is not a prefix. */
    ODP_HMARK_BE32,             /* ovs_be32. */
    ODP_HMARK_U32,              /* uint32_t. */
    ODP_HMARK_U16,              /* uint16_t. */
    ODP_HMARK_CT,               /* OVS_HMARK_F_CT in 'flags', no value. */
    ODP_HMARK_FLAGS,            /* All of 'flags', given only for flags
                                 * other than OVS_HMARK_F_CT. */
};

struct odp_hmark_field {
    const char *name;
    enum odp_hmark_type type;
    size_t offset;              /* In struct ovs_action_hmark. */
    uint32_t min, max;
    bool hex;                   /* Formatted in hexadecimal. */
    bool required;
};

/* In the order of odp_hmark_format(). */
static const struct odp_hmark_field odp_fields[] = {
#define F(NAME, TYPE, MEMBER, MIN, MAX, HEX, REQUIRED)                  \
    { NAME, ODP_HMARK_##TYPE, offsetof(struct ovs_action_hmark, MEMBER), \
      MIN, MAX, HEX, REQUIRED }
    /* name         type   member      min max         hex    required */
    F("src_mask",   MASK,  src_mask,   0,  128,        false, false),
    F("dst_mask",   MASK,  dst_mask,   0,  128,        false, false),
    F("port_mask",  BE32,  port_mask,  0,  UINT32_MAX, true,  false),
    F("port_set",   BE32,  port_set,   0,  UINT32_MAX, true,  false),
    F("proto_mask", U16,   proto_mask, 0,  UINT16_MAX, true,  false),
    F("rnd",        U32,   hash_rnd,   0,  UINT32_MAX, true,  true),
    F("mod",        U32,   modulus,    1,  UINT32_MAX, false, true),
    F("offset",     U32,   offset,     0,  UINT32_MAX, false, false),
    F("ct",         CT,    flags,      0,  0,          false, false),
    F("flags",      FLAGS, flags,      0,  UINT16_MAX, true,  false),
#undef F
};
BUILD_ASSERT_DECL(ARRAY_SIZE(odp_fields) <= 32);

/* Returns the field named 'name', or NULL. */
static const struct odp_hmark_field *
find_field(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(odp_fields); i++) {
        if (!strcmp(name, odp_fields[i].name)) {
            return &odp_fields[i];
        }
    }
    return NULL;
}

/* Returns the member of 'p' that holds field 'f'. */
static void *
field_member(const struct ovs_action_hmark *p, const struct odp_hmark_field *f)
{
    return CONST_CAST(char *, (const char *) p) + f->offset;
}

/* Returns the value of the number field 'f' of 'p'. */
static uint32_t
field_get(const struct ovs_action_hmark *p, const struct odp_hmark_field *f)
{
    const void *member = field_member(p, f);

    switch (f->type) {
    case ODP_HMARK_BE32:
        return ntohl(*(const ovs_be32 *) member);
    case ODP_HMARK_U32:
        return *(const uint32_t *) member;
    case ODP_HMARK_U16:
    case ODP_HMARK_CT:
    case ODP_HMARK_FLAGS:
        return *(const uint16_t *) member;
    case ODP_HMARK_MASK:
    default:
        OVS_NOT_REACHED();
    }
}

/* Formats 'mask' as a prefix length if it is one, otherwise as an IPv6
 * address. */
static void
format_mask(struct ds *s, const struct in6_addr *mask)
{
    if (ipv6_is_cidr(mask)) {
        ds_put_format(s, "%d", ipv6_count_cidr_bits(mask));
    } else {
        ipv6_format_addr(mask, s);
    }
}

/* Formats 'a', whose length odp-util has checked. */
void
odp_hmark_format(const struct nlattr *a, struct ds *s)
{
    const struct ovs_action_hmark *p = nl_attr_get(a);

    ds_put_cstr(s, "hmark(");
    for (size_t i = 0; i < ARRAY_SIZE(odp_fields); i++) {
        const struct odp_hmark_field *f = &odp_fields[i];
        const char *sep = i ? "," : "";

        if (f->type == ODP_HMARK_MASK) {
            ds_put_format(s, "%s%s=", sep, f->name);
            format_mask(s, field_member(p, f));
            continue;
        }

        uint32_t value = field_get(p, f);
        if (f->type == ODP_HMARK_CT) {
            if (value & OVS_HMARK_F_CT) {
                ds_put_format(s, "%s%s", sep, f->name);
            }
        } else if (f->type != ODP_HMARK_FLAGS || value & ~OVS_HMARK_F_CT) {
            ds_put_format(s, f->hex ? "%s%s=%#"PRIx32 : "%s%s=%"PRIu32,
                          sep, f->name, value);
        }
    }
    ds_put_char(s, ')');
}

static bool
parse_mask(const char *s, struct in6_addr *mask)
{
    uint32_t bits;

    if (l3dsr_parse_number(s, 128, &bits)) {
        *mask = ipv6_create_mask(bits);
        return true;
    }
    return ipv6_parse(s, mask);
}

/* Parses 'value' as field 'f' into 'p'.  Returns true if successful. */
static bool
parse_field(const struct odp_hmark_field *f, const char *value,
            struct ovs_action_hmark *p)
{
    void *member = field_member(p, f);
    uint32_t n;

    if (f->type == ODP_HMARK_MASK) {
        return parse_mask(value, member);
    } else if (f->type == ODP_HMARK_CT) {
        p->flags |= OVS_HMARK_F_CT;
        return !*value;
    } else if (!l3dsr_parse_number(value, f->max, &n) || n < f->min) {
        return false;
    }

    switch (f->type) {
    case ODP_HMARK_BE32:
        *(ovs_be32 *) member = htonl(n);
        break;
    case ODP_HMARK_U32:
        *(uint32_t *) member = n;
        break;
    case ODP_HMARK_U16:
        *(uint16_t *) member = n;
        break;
    case ODP_HMARK_FLAGS:
        *(uint16_t *) member |= n;
        break;
    case ODP_HMARK_MASK:
    case ODP_HMARK_CT:
    default:
        OVS_NOT_REACHED();
    }
    return true;
}

/* Parses "hmark(...)" at the start of 's', in the syntax of
 * odp_hmark_format() (any order, "flags" and every field but "mod" and "rnd"
 * optional), and appends the action to 'odp_actions'.  Returns the number of
 * bytes parsed, or a negative errno value. */
int
odp_hmark_parse(const char *s, struct ofpbuf *odp_actions)
{
    static const char prefix[] = "hmark(";
    struct ovs_action_hmark p;
    uint32_t given = 0;         /* Bit i set: odp_fields[i] was given. */
    const char *end;
    char *key, *value;
    bool ok = true;

    if (strncmp(s, prefix, strlen(prefix))) {
        return -EINVAL;
    }
    end = strchr(s, ')');
    if (!end) {
        return -EINVAL;
    }

    char *copy = xmemdup0(s + strlen(prefix), end - (s + strlen(prefix)));
    char *arg = copy;

    memset(&p, 0, sizeof p);
    while (ok && ofputil_parse_key_value(&arg, &key, &value)) {
        const struct odp_hmark_field *f = find_field(key);

        ok = f && parse_field(f, value, &p);
        if (f) {
            given |= UINT32_C(1) << (f - odp_fields);
        }
    }
    free(copy);

    for (size_t i = 0; ok && i < ARRAY_SIZE(odp_fields); i++) {
        ok = !odp_fields[i].required || given & (UINT32_C(1) << i);
    }
    if (!ok) {
        return -EINVAL;
    }
    nl_msg_put_unspec(odp_actions, OVS_ACTION_ATTR_HMARK, &p, sizeof p);
    return end + 1 - s;
}

/* Sets the mark of each packet in 'batch' as 'a' says. */
void
odp_hmark_execute(struct dp_packet_batch *batch, const struct nlattr *a)
{
    const struct ovs_action_hmark *p = nl_attr_get(a);
    struct dp_packet *packet;

    if (nl_attr_get_size(a) != sizeof *p || !p->modulus) {
        return;
    }
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t mark;

        if (hmark_packet(p, packet, &mark)) {
            packet->md.pkt_mark = mark;
        }
    }
}

/* Returns true if 'dpif' accepts a flow with the action. */
bool
odp_hmark_probe(struct dpif *dpif)
{
    struct ovs_action_hmark p;
    struct ofpbuf actions;
    bool supported;

    memset(&p, 0, sizeof p);
    memset(&p.src_mask, 0xff, sizeof p.src_mask);
    memset(&p.dst_mask, 0xff, sizeof p.dst_mask);
    p.port_mask = OVS_BE32_MAX;
    p.proto_mask = UINT16_MAX;
    p.modulus = 1;
    ofpbuf_init(&actions, 64);
    nl_msg_put_unspec(&actions, OVS_ACTION_ATTR_HMARK, &p, sizeof p);

    supported = odp_l3dsr_probe_ipv4_action(dpif, "hmark", &actions);
    ofpbuf_uninit(&actions);
    return supported;
}

/* The algorithm. */

/* Converts 'a' into the datapath action's argument, which the algorithm
 * uses: the prefixes become 128-bit masks, of which IPv4 uses the first 32
 * bits (so a prefix longer than 32 is all of an IPv4 address). */
void
hmark_to_odp(const struct ofpact_hmark *a, struct ovs_action_hmark *p)
{
    memset(p, 0, sizeof *p);
    p->src_mask = ipv6_create_mask(a->src_prefix);
    p->dst_mask = ipv6_create_mask(a->dst_prefix);
    p->port_mask = a->port_mask;
    p->port_set = a->port_set;
    p->hash_rnd = a->rnd;
    p->modulus = a->mod;
    p->offset = a->offset;
    p->proto_mask = a->proto_mask;
    p->flags = a->flags & NX_HMARK_CT ? OVS_HMARK_F_CT : 0;
}

/* Masks, ORs and orders the 32 bits 'raw' read at the ports' offset, so that
 * both directions give the same value. */
uint32_t
hmark_ports(ovs_be32 raw, const struct ovs_action_hmark *p)
{
    uint32_t v = ntohl((raw & p->port_mask) | p->port_set);
    uint16_t src = v >> 16;
    uint16_t dst = v;

    return dst > src ? (uint32_t) dst << 16 | src : (uint32_t) src << 16 | dst;
}

uint32_t
hmark_hash(const struct hmark_tuple *t, const struct ovs_action_hmark *p)
{
    uint32_t src = ntohl(t->src);
    uint32_t dst = ntohl(t->dst);
    uint32_t words[3];
    uint32_t hash;

    /* The smaller address first, for direction independence.  The kernel's
     * jhash_3words(a, b, c, initval) equals Open vSwitch's jhash_words() of
     * the same three words. */
    words[0] = MIN(src, dst);
    words[1] = MAX(src, dst);
    words[2] = t->ports;
    hash = jhash_words(words, 3, p->hash_rnd);
    hash ^= t->proto & p->proto_mask;

    /* reciprocal_scale(), then the offset, in 32-bit arithmetic. */
    return (uint32_t) (((uint64_t) hash * p->modulus) >> 32) + p->offset;
}

/* Returns the IPv6 address at 'addr' (possibly unaligned) masked with
 * 'mask', its four 32-bit words XORed together. */
ovs_be32
hmark_mask_ipv6(const void *addr, const struct in6_addr *mask)
{
    ovs_be32 a[4], m[4];

    memcpy(a, addr, sizeof a);
    memcpy(m, mask, sizeof m);
    return (a[0] & m[0]) ^ (a[1] & m[1]) ^ (a[2] & m[2]) ^ (a[3] & m[3]);
}

/* Returns the mask for IPv4 addresses: the first 32 bits of 'mask'. */
ovs_be32
hmark_mask_ipv4(const struct in6_addr *mask)
{
    ovs_be32 m;

    memcpy(&m, mask, sizeof m);
    return m;
}

/* Length of an ICMPv6 header with its first data word, Linux's struct
 * icmp6hdr. */
#define ICMP6_HDR_LEN 8

/* The protocols whose first 32 bits after the header xt_HMARK hashes as
 * ports, and where those bits are (the kernel's proto_ports_offset()). */
int
hmark_proto_ports_offset(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_DCCP:
    case IPPROTO_ESP:           /* SPI. */
    case IPPROTO_SCTP:
    case IPPROTO_UDPLITE:
        return 0;
    case IPPROTO_AH:            /* SPI. */
        return 4;
    default:
        return -1;
    }
}

bool
hmark_is_icmp_error(unsigned int type)
{
    return (type == ICMP4_DST_UNREACH || type == ICMP4_SOURCEQUENCH
            || type == ICMP4_TIME_EXCEEDED || type == ICMP4_PARAM_PROB
            || type == ICMP4_REDIRECT);
}

bool
hmark_is_icmpv6_error(unsigned int type)
{
    return type && type < 128;
}

/* Packets.
 *
 * The functions below read a packet exactly as xt_HMARK does, from the
 * start of its L3 header: 'l3' is that header and 'len' the length that the
 * kernel's stack gives the packet (the IP header's total length).  Like the
 * kernel's skb_header_pointer(), hdr_at() returns NULL for bytes past the
 * end.  Packets whose IP header Open vSwitch's flow extraction rejects never
 * reach the kernel's iptables; they get the mark of an all-zero tuple, as in
 * translation, whose flow then holds only zeros. */

static const uint8_t *
hdr_at(const uint8_t *l3, size_t len, size_t ofs, size_t n)
{
    return ofs <= len && n <= len - ofs ? l3 + ofs : NULL;
}

/* Reads the ports or SPI of protocol 'proto' whose header is at 'l4' into
 * 't', if the protocol has them and they are there. */
static void
packet_ports(const uint8_t *l3, size_t len, size_t l4, uint8_t proto,
             const struct ovs_action_hmark *p, struct hmark_tuple *t)
{
    int ofs = hmark_proto_ports_offset(proto);
    const uint8_t *ports = ofs >= 0 ? hdr_at(l3, len, l4 + ofs, 4) : NULL;

    if (ports) {
        t->ports = hmark_ports(get_unaligned_be32((const void *) ports), p);
    }
}

static bool
packet_ipv4(const struct ovs_action_hmark *p, const uint8_t *l3, size_t size,
            struct hmark_tuple *t)
{
    size_t ihl, len, nh = 0;

    if (size < IP_HEADER_LEN) {
        return true;
    }
    ihl = IP_IHL(l3[0]) * 4;
    len = ntohs(get_unaligned_be16((const void *) (l3 + 2)));
    if (ihl < IP_HEADER_LEN || ihl > size || len > size || len < ihl) {
        return true;
    }

    /* An ICMP error is hashed on the header it carries.  If that header is
     * cut short, the mark stays as it is. */
    if (l3[9] == IPPROTO_ICMP) {
        const uint8_t *icmp = hdr_at(l3, len, ihl, ICMP_HEADER_LEN);

        if (icmp && hmark_is_icmp_error(icmp[0])) {
            nh = ihl + ICMP_HEADER_LEN;
            if (!hdr_at(l3, len, nh, IP_HEADER_LEN)) {
                return false;
            }
        }
    }

    const uint8_t *ip = l3 + nh;
    ovs_be16 frag_off = get_unaligned_be16((const void *) (ip + 6));
    ovs_be32 src = get_unaligned_be32((const void *) (ip + 12));
    ovs_be32 dst = get_unaligned_be32((const void *) (ip + 16));

    t->src = src & hmark_mask_ipv4(&p->src_mask);
    t->dst = dst & hmark_mask_ipv4(&p->dst_mask);
    t->proto = ip[9];
    if (t->proto == IPPROTO_ICMP
        || frag_off & htons(IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)) {
        return true;
    }
    packet_ports(l3, len, nh + IP_IHL(ip[0]) * 4, t->proto, p, t);
    return true;
}

/* ipv6_find_hdr()'s flags. */
enum {
    FH_FRAG = 1 << 0,           /* The packet is a fragment. */
    FH_AUTH = 1 << 1,           /* Stop at an authentication header. */
};

static bool
is_ipv6_ext_hdr(uint8_t nexthdr)
{
    return (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING
            || nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_AH
            || nexthdr == IPPROTO_NONE || nexthdr == IPPROTO_DSTOPTS);
}

/* Walks the extension headers of the IPv6 header at '*ofs' as the kernel's
 * ipv6_find_hdr() does for xt_HMARK (any target, stopping at AH): if
 * '*ofs' is 0, the packet's own header, otherwise an embedded one, which
 * must be IPv6.  Returns the upper-layer protocol and sets '*ofs' to its
 * header, or returns -1 if the headers are cut short or, in a later
 * fragment, followed by another extension header.  In a later fragment,
 * leaves '*ofs' alone. */
static int
find_ipv6_hdr(const uint8_t *l3, size_t len, size_t *ofs, int *flags)
{
    size_t start;
    uint8_t nexthdr;

    if (*ofs) {
        const uint8_t *ip6 = hdr_at(l3, len, *ofs, IPV6_HEADER_LEN);

        if (!ip6 || ip6[0] >> 4 != 6) {
            return -1;
        }
        start = *ofs + IPV6_HEADER_LEN;
        nexthdr = ip6[6];
    } else {
        start = IPV6_HEADER_LEN;
        nexthdr = l3[6];
    }

    while (is_ipv6_ext_hdr(nexthdr) && nexthdr != IPPROTO_NONE) {
        const uint8_t *hp = hdr_at(l3, len, start, 2);
        size_t hdrlen;

        if (!hp) {
            return -1;
        }
        if (nexthdr == IPPROTO_ROUTING && !hdr_at(l3, len, start, 4)) {
            return -1;
        }
        if (nexthdr == IPPROTO_FRAGMENT) {
            const uint8_t *fo = hdr_at(l3, len, start + 2, 2);

            *flags |= FH_FRAG;
            if (!fo) {
                return -1;
            }
            if (ntohs(get_unaligned_be16((const void *) fo)) & ~7) {
                return (is_ipv6_ext_hdr(hp[0]) && hp[0] != IPPROTO_NONE
                        ? -1 : hp[0]);
            }
            hdrlen = 8;
        } else if (nexthdr == IPPROTO_AH) {
            if (*flags & FH_AUTH) {
                break;
            }
            hdrlen = (hp[1] + 2) * 4;
        } else {
            hdrlen = (hp[1] + 1) * 8;
        }
        nexthdr = hp[0];
        start += hdrlen;
    }
    *ofs = start;
    return nexthdr;
}

static bool
packet_ipv6(const struct ovs_action_hmark *p, const uint8_t *l3, size_t size,
            struct hmark_tuple *t)
{
    size_t len, ofs = 0;
    int flags = FH_AUTH;
    int nexthdr;

    if (size < IPV6_HEADER_LEN) {
        return true;
    }
    len = ntohs(get_unaligned_be16((const void *) (l3 + 4))) + IPV6_HEADER_LEN;
    if (len > size) {
        return true;
    }

    /* Headers cut short: the kernel hashes an all-zero tuple. */
    nexthdr = find_ipv6_hdr(l3, len, &ofs, &flags);
    if (nexthdr < 0) {
        return true;
    }

    /* An ICMPv6 error, unless fragmented, is hashed on the header it
     * carries, with AH treated as before. */
    const uint8_t *ip6 = l3;
    if (!(flags & FH_FRAG) && nexthdr == IPPROTO_ICMPV6) {
        const uint8_t *icmp6 = hdr_at(l3, len, ofs, ICMP6_HDR_LEN);

        if (icmp6 && hmark_is_icmpv6_error(icmp6[0])) {
            ofs += ICMP6_HDR_LEN;
            ip6 = hdr_at(l3, len, ofs, IPV6_HEADER_LEN);
            if (!ip6) {
                return false;
            }
            flags = FH_AUTH;
            nexthdr = find_ipv6_hdr(l3, len, &ofs, &flags);
            if (nexthdr < 0) {
                return false;
            }
        }
    }

    t->src = hmark_mask_ipv6(ip6 + 8, &p->src_mask);
    t->dst = hmark_mask_ipv6(ip6 + 24, &p->dst_mask);
    t->proto = nexthdr;
    if (t->proto == IPPROTO_ICMPV6 || flags & FH_FRAG) {
        return true;
    }
    packet_ports(l3, len, ofs, t->proto, p, t);
    return true;
}

/* Returns the identifier of the ICMPv6 echo request or reply in the IPv6
 * packet at 'l3', or in the packet that its ICMPv6 error carries, or 0.
 * The kernel's conntrack keeps it in place of ports; Open vSwitch's keeps
 * the type and code instead. */
static ovs_be16
packet_icmpv6_id(const uint8_t *l3, size_t size)
{
    size_t len, ofs = 0;

    if (size < IPV6_HEADER_LEN) {
        return 0;
    }
    len = ntohs(get_unaligned_be16((const void *) (l3 + 4)));
    len = MIN(size, len + IPV6_HEADER_LEN);
    for (int i = 0; i < 2; i++) {
        int flags = 0;
        int nexthdr = find_ipv6_hdr(l3, len, &ofs, &flags);
        const uint8_t *icmp6;

        if (nexthdr != IPPROTO_ICMPV6 || flags & FH_FRAG) {
            return 0;
        }
        icmp6 = hdr_at(l3, len, ofs, ICMP6_HDR_LEN);
        if (!icmp6) {
            return 0;
        }
        if (icmp6[0] == ICMP6_ECHO_REQUEST || icmp6[0] == ICMP6_ECHO_REPLY) {
            return get_unaligned_be16((const void *) (icmp6 + 4));
        }
        if (!hmark_is_icmpv6_error(icmp6[0])) {
            return 0;
        }
        ofs += ICMP6_HDR_LEN;
    }
    return 0;
}

/* The conntrack original-direction tuple, as xt_HMARK's "ct" reads it. */
static bool
packet_ct(const struct ovs_action_hmark *p, const struct dp_packet *packet,
          bool ipv6, struct hmark_tuple *t)
{
    const struct pkt_metadata *md = &packet->md;
    ovs_be16 sport = 0, dport = 0;

    if (!(md->ct_state & CS_TRACKED) || md->ct_state & CS_INVALID) {
        return false;
    }

    /* The flow holds the tuple only if it is of the packet's family. */
    if (ipv6 && md->ct_orig_tuple_ipv6) {
        const struct ovs_key_ct_tuple_ipv6 *c = &md->ct_orig_tuple.ipv6;

        t->src = hmark_mask_ipv6(&c->ipv6_src, &p->src_mask);
        t->dst = hmark_mask_ipv6(&c->ipv6_dst, &p->dst_mask);
        t->proto = c->ipv6_proto;
        sport = c->src_port;
        dport = c->dst_port;
    } else if (!ipv6 && !md->ct_orig_tuple_ipv6) {
        const struct ovs_key_ct_tuple_ipv4 *c = &md->ct_orig_tuple.ipv4;

        t->src = c->ipv4_src & hmark_mask_ipv4(&p->src_mask);
        t->dst = c->ipv4_dst & hmark_mask_ipv4(&p->dst_mask);
        t->proto = c->ipv4_proto;
        sport = c->src_port;
        dport = c->dst_port;
    }

    if (t->proto != IPPROTO_ICMP) {
        if (t->proto == IPPROTO_ICMPV6) {
            sport = dport = packet_icmpv6_id(dp_packet_l3(packet),
                                             dp_packet_l3_size(packet));
        }
        t->ports = hmark_ports(htonl(((uint32_t) ntohs(sport) << 16)
                                     | ntohs(dport)), p);
    }
    return true;
}

/* Computes the mark that xt_HMARK with parameters 'p' gives 'packet' into
 * '*mark'.  Returns false if the mark stays as it is: not an IPv4 or IPv6
 * packet, an ICMP error whose embedded header is cut short or, with "ct",
 * not tracked. */
bool
hmark_packet(const struct ovs_action_hmark *p, const struct dp_packet *packet,
             uint32_t *mark)
{
    ovs_be16 type = odp_l3dsr_l3_type(packet);
    bool ipv6 = type == htons(ETH_TYPE_IPV6);
    struct hmark_tuple t;
    bool ok;

    if (type != htons(ETH_TYPE_IP) && !ipv6) {
        return false;
    }

    memset(&t, 0, sizeof t);
    if (p->flags & OVS_HMARK_F_CT) {
        ok = packet_ct(p, packet, ipv6, &t);
    } else if (ipv6) {
        ok = packet_ipv6(p, dp_packet_l3(packet), dp_packet_l3_size(packet),
                         &t);
    } else {
        ok = packet_ipv4(p, dp_packet_l3(packet), dp_packet_l3_size(packet),
                         &t);
    }
    if (ok) {
        *mark = hmark_hash(&t, p);
    }
    return ok;
}
