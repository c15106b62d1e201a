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

#include "hmark.h"

#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "dp-packet.h"
#include "flow.h"
#include "jhash.h"
#include "l3dsr-number.h"
#include "nx-match.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"
#include "vl-mff-map.h"

VLOG_DEFINE_THIS_MODULE(hmark);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

/* Options.
 *
 * The action keeps xt_HMARK's representation: a flag per option given and
 * the option's value, zero when not given.  'port_mask' and 'port_set' hold
 * the source port in their upper and the destination port in their lower 16
 * bits, or an SPI in all 32, in network byte order, as the 32 bits that the
 * kernel reads at the ports' offset of the L4 header. */

/* Names of the options with a flag, in the order of their NX_HMARK_* bit. */
static const char *const flag_names[] = {
    "src_prefix", "dst_prefix", "sport_mask", "dport_mask", "spi_mask",
    "sport", "dport", "spi", "proto_mask", "ct",
};
BUILD_ASSERT_DECL(ARRAY_SIZE(flag_names) == 10);
BUILD_ASSERT_DECL(NX_HMARK_ALL_FLAGS == (1 << ARRAY_SIZE(flag_names)) - 1);

/* The fields of "tuple=" and the options they set to their full value. */
struct hmark_tuple_field {
    const char *name;
    uint16_t flag;
};

static const struct hmark_tuple_field tuple_fields[] = {
    { "src", NX_HMARK_SRC_PREFIX },
    { "dst", NX_HMARK_DST_PREFIX },
    { "sport", NX_HMARK_SPORT_MASK },
    { "dport", NX_HMARK_DPORT_MASK },
    { "spi", NX_HMARK_SPI_MASK },
    { "proto", NX_HMARK_PROTO_MASK },
    { "ct", NX_HMARK_CT },
};

static const char *
flag_name(uint16_t flag)
{
    return flag_names[raw_ctz(flag)];
}

static uint16_t
get_sport(ovs_be32 ports)
{
    return ntohl(ports) >> 16;
}

static uint16_t
get_dport(ovs_be32 ports)
{
    return ntohl(ports) & 0xffff;
}

static ovs_be32
set_sport(ovs_be32 ports, uint16_t sport)
{
    return htonl((ntohl(ports) & 0xffff) | ((uint32_t) sport << 16));
}

static ovs_be32
set_dport(ovs_be32 ports, uint16_t dport)
{
    return htonl((ntohl(ports) & 0xffff0000) | dport);
}

/* Sets 'dst' to all of pkt_mark, the default destination. */
static void
set_default_dst(struct mf_subfield *dst)
{
    dst->field = mf_from_id(MFF_PKT_MARK);
    dst->ofs = 0;
    dst->n_bits = 32;
}

/* Returns true if 'a' writes the whole of pkt_mark, which the datapath
 * action can do. */
bool
hmark_dst_is_pkt_mark(const struct ofpact_hmark *a)
{
    return a->dst.field && a->dst.field->id == MFF_PKT_MARK
           && a->dst.ofs == 0 && a->dst.n_bits == 32;
}

/* Returns the largest mark that 'a' can produce: offset + mod - 1, or
 * UINT32_MAX if that wraps around, as the kernel's 32-bit sum does. */
static uint32_t
max_mark(const struct ofpact_hmark *a)
{
    uint64_t max = (uint64_t) a->offset + a->mod - 1;

    return MIN(max, UINT32_MAX);
}

/* Checks the rules that iptables and the kernel apply to HMARK's options,
 * plus those of the representation.  Returns NULL if 'a' is valid, otherwise
 * a static string that describes the problem. */
static const char *
hmark_validate(const struct ofpact_hmark *a)
{
    uint16_t f = a->flags;

    if (f & ~NX_HMARK_ALL_FLAGS) {
        return "hmark: unknown flags";
    }
    if (a->src_prefix > 128 || a->dst_prefix > 128) {
        return "hmark: prefix longer than 128 bits";
    }
    if ((a->src_prefix && !(f & NX_HMARK_SRC_PREFIX))
        || (a->dst_prefix && !(f & NX_HMARK_DST_PREFIX))
        || (a->proto_mask && !(f & NX_HMARK_PROTO_MASK))
        || (get_sport(a->port_mask)
            && !(f & (NX_HMARK_SPORT_MASK | NX_HMARK_SPI_MASK)))
        || (get_dport(a->port_mask)
            && !(f & (NX_HMARK_DPORT_MASK | NX_HMARK_SPI_MASK)))
        || (get_sport(a->port_set) && !(f & (NX_HMARK_SPORT | NX_HMARK_SPI)))
        || (get_dport(a->port_set)
            && !(f & (NX_HMARK_DPORT | NX_HMARK_SPI)))) {
        return "hmark: value for an option that is not given";
    }
    if (f & NX_HMARK_SPI_MASK
        && f & (NX_HMARK_SPORT_MASK | NX_HMARK_DPORT_MASK)) {
        return "hmark: spi_mask cannot be combined with sport_mask or "
               "dport_mask";
    }
    if (f & NX_HMARK_SPI && f & (NX_HMARK_SPORT | NX_HMARK_DPORT)) {
        return "hmark: spi cannot be combined with sport or dport";
    }
    if (!(f & NX_HMARK_ALL_FLAGS)) {
        return "hmark: at least one of tuple, src_prefix, dst_prefix, "
               "sport_mask, dport_mask, spi_mask, proto_mask, sport, dport "
               "or spi is required";
    }
    if (!a->mod) {
        return "hmark: mod must be greater than 0";
    }
    return NULL;
}

/* The widest destination: the action's 'ofs_nbits' encodes at most 64
 * bits. */
#define HMARK_MAX_DST_BITS 64

/* Checks that 'a''s destination can be encoded and can hold every mark.
 * Returns NULL if so, otherwise a malloc()'d error message. */
static char *
hmark_check_dst_width(const struct ofpact_hmark *a)
{
    uint32_t max = max_mark(a);
    int needed = max ? log_2_floor(max) + 1 : 1;

    if (a->dst.n_bits > HMARK_MAX_DST_BITS) {
        return xasprintf("hmark: %d-bit destination is wider than %d bits, "
                         "the most that the action can encode (give a "
                         "subfield, e.g. %s[0..31])", a->dst.n_bits,
                         HMARK_MAX_DST_BITS, a->dst.field->name);
    }
    if (a->dst.n_bits < needed) {
        return xasprintf("hmark: %d-bit destination cannot hold marks up to "
                         "%"PRIu32" (%d bits needed)", a->dst.n_bits, max,
                         needed);
    }
    return NULL;
}

/* Appends a copy of 'h' to 'ofpacts'. */
static void
hmark_put(struct ofpbuf *ofpacts, const struct ofpact_hmark *h)
{
    struct ofpact_hmark *a = ofpact_put_HMARK(ofpacts);

    a->flags = h->flags;
    a->src_prefix = h->src_prefix;
    a->dst_prefix = h->dst_prefix;
    a->proto_mask = h->proto_mask;
    a->port_mask = h->port_mask;
    a->port_set = h->port_set;
    a->rnd = h->rnd;
    a->mod = h->mod;
    a->offset = h->offset;
    a->dst = h->dst;
}

/* Records that option 'flag' is given.  Returns an error if it already
 * was. */
static char *
set_flag(struct ofpact_hmark *h, uint16_t flag)
{
    if (h->flags & flag) {
        return xasprintf("hmark: %s given twice", flag_name(flag));
    }
    h->flags |= flag;
    return NULL;
}

/* Sets the option 'flag' to its full value, as "tuple=" does. */
static char *
set_full(struct ofpact_hmark *h, uint16_t flag)
{
    char *error = set_flag(h, flag);

    if (error) {
        return error;
    }
    switch (flag) {
    case NX_HMARK_SRC_PREFIX:
        h->src_prefix = 128;
        break;
    case NX_HMARK_DST_PREFIX:
        h->dst_prefix = 128;
        break;
    case NX_HMARK_SPORT_MASK:
        h->port_mask = set_sport(h->port_mask, 0xffff);
        break;
    case NX_HMARK_DPORT_MASK:
        h->port_mask = set_dport(h->port_mask, 0xffff);
        break;
    case NX_HMARK_SPI_MASK:
        h->port_mask = OVS_BE32_MAX;
        break;
    case NX_HMARK_PROTO_MASK:
        h->proto_mask = UINT16_MAX;
        break;
    case NX_HMARK_CT:
        break;
    default:
        OVS_NOT_REACHED();
    }
    return NULL;
}

static char *
parse_tuple(struct ofpact_hmark *h, char *value)
{
    char *save_ptr = NULL;
    char *error = NULL;
    char *copy = xstrdup(value);
    char *name;

    if (!*value || value[0] == '+' || value[strlen(value) - 1] == '+'
        || strstr(value, "++")) {
        error = xasprintf("hmark: \"%s\": expected tuple fields joined by "
                          "'+'", value);
        goto out;
    }
    for (name = strtok_r(copy, "+", &save_ptr); name;
         name = strtok_r(NULL, "+", &save_ptr)) {
        const struct hmark_tuple_field *tf;

        for (tf = tuple_fields; tf < &tuple_fields[ARRAY_SIZE(tuple_fields)];
             tf++) {
            if (!strcmp(name, tf->name)) {
                break;
            }
        }
        if (tf == &tuple_fields[ARRAY_SIZE(tuple_fields)]) {
            error = xasprintf("hmark: \"%s\": unknown tuple field (expected "
                              "src, dst, sport, dport, spi, proto or ct)",
                              name);
            goto out;
        }
        error = set_full(h, tf->flag);
        if (error) {
            goto out;
        }
    }
out:
    free(copy);
    return error;
}

/* Parses the value of the option 'key' with flag 'flag', at most 'max', and
 * stores it in '*n'. */
static char *
parse_option(struct ofpact_hmark *h, const char *key, const char *value,
             uint16_t flag, uint32_t max, uint32_t *n)
{
    if (!l3dsr_parse_number(value, max, n)) {
        return xasprintf("hmark: \"%s\": %s must be a number between 0 and "
                         "%"PRIu32, value, key, max);
    }
    return flag ? set_flag(h, flag) : NULL;
}

/* Parses 'arg', the text between the parentheses of "hmark(...)", and
 * appends the action to 'ofpacts'.  Returns NULL if successful, otherwise a
 * malloc()'d string that describes the problem, without appending
 * anything. */
char * OVS_WARN_UNUSED_RESULT
hmark_parse(char *arg, struct ofpbuf *ofpacts)
{
    struct ofpact_hmark h;
    bool have_rnd = false, have_mod = false;
    bool have_offset = false, have_dst = false, have_tuple = false;
    char *key, *value;

    memset(&h, 0, sizeof h);
    set_default_dst(&h.dst);
    while (ofputil_parse_key_value(&arg, &key, &value)) {
        char *error = NULL;
        uint32_t n = 0;

        if (!*value) {
            return xasprintf("hmark: \"%s\": expected KEY=VALUE", key);
        }
        if (!strcmp(key, "tuple")) {
            if (have_tuple) {
                return xstrdup("hmark: tuple given twice");
            }
            have_tuple = true;
            error = parse_tuple(&h, value);
        } else if (!strcmp(key, "src_prefix")) {
            error = parse_option(&h, key, value, NX_HMARK_SRC_PREFIX, 128, &n);
            h.src_prefix = n;
        } else if (!strcmp(key, "dst_prefix")) {
            error = parse_option(&h, key, value, NX_HMARK_DST_PREFIX, 128, &n);
            h.dst_prefix = n;
        } else if (!strcmp(key, "sport_mask")) {
            error = parse_option(&h, key, value, NX_HMARK_SPORT_MASK,
                                 UINT16_MAX, &n);
            h.port_mask = set_sport(h.port_mask, n);
        } else if (!strcmp(key, "dport_mask")) {
            error = parse_option(&h, key, value, NX_HMARK_DPORT_MASK,
                                 UINT16_MAX, &n);
            h.port_mask = set_dport(h.port_mask, n);
        } else if (!strcmp(key, "spi_mask")) {
            error = parse_option(&h, key, value, NX_HMARK_SPI_MASK,
                                 UINT32_MAX, &n);
            h.port_mask = htonl(n);
        } else if (!strcmp(key, "proto_mask")) {
            error = parse_option(&h, key, value, NX_HMARK_PROTO_MASK,
                                 UINT16_MAX, &n);
            h.proto_mask = n;
        } else if (!strcmp(key, "sport")) {
            error = parse_option(&h, key, value, NX_HMARK_SPORT, UINT16_MAX,
                                 &n);
            h.port_set = set_sport(h.port_set, n);
        } else if (!strcmp(key, "dport")) {
            error = parse_option(&h, key, value, NX_HMARK_DPORT, UINT16_MAX,
                                 &n);
            h.port_set = set_dport(h.port_set, n);
        } else if (!strcmp(key, "spi")) {
            error = parse_option(&h, key, value, NX_HMARK_SPI, UINT32_MAX,
                                 &n);
            h.port_set = htonl(n);
        } else if (!strcmp(key, "rnd")) {
            if (have_rnd) {
                return xstrdup("hmark: rnd given twice");
            }
            have_rnd = true;
            error = parse_option(&h, key, value, 0, UINT32_MAX, &h.rnd);
        } else if (!strcmp(key, "offset")) {
            if (have_offset) {
                return xstrdup("hmark: offset given twice");
            }
            have_offset = true;
            error = parse_option(&h, key, value, 0, UINT32_MAX, &h.offset);
        } else if (!strcmp(key, "mod")) {
            if (have_mod) {
                return xstrdup("hmark: mod given twice");
            }
            have_mod = true;
            if (!l3dsr_parse_number(value, UINT32_MAX, &h.mod) || !h.mod) {
                return xasprintf("hmark: \"%s\": mod must be a number "
                                 "between 1 and %"PRIu32, value, UINT32_MAX);
            }
        } else if (!strcmp(key, "dst")) {
            if (have_dst) {
                return xstrdup("hmark: dst given twice");
            }
            have_dst = true;
            error = mf_parse_subfield(&h.dst, value);
            if (error) {
                char *e = xasprintf("hmark: dst: %s", error);

                free(error);
                return e;
            }
            if (!h.dst.field->writable) {
                return xasprintf("hmark: dst: field %s is not writable",
                                 h.dst.field->name);
            }
        } else {
            return xasprintf("hmark: unknown option \"%s\"", key);
        }
        if (error) {
            return error;
        }
    }

    if (!have_rnd) {
        return xstrdup("hmark: rnd is required");
    }
    if (!have_mod) {
        return xstrdup("hmark: mod is required");
    }

    const char *problem = hmark_validate(&h);
    if (problem) {
        return xstrdup(problem);
    }
    char *error = hmark_check_dst_width(&h);
    if (error) {
        return error;
    }
    hmark_put(ofpacts, &h);
    return NULL;
}

/* Appends the canonical form of 'a' to 's', without the surrounding
 * "hmark(" and ")": fields at their full value in "tuple=", in the order
 * src, dst, sport, dport, spi, proto, ct, then the other options in the
 * order of docs/hmark.md, masks and SPIs in hexadecimal, the rest in
 * decimal, and neither offset 0 nor dst=pkt_mark. */
void
hmark_format(const struct ofpact_hmark *a, struct ds *s)
{
    uint16_t f = a->flags;
    uint16_t full = 0;
    const char *sep = "";

    if (f & NX_HMARK_SRC_PREFIX && a->src_prefix == 128) {
        full |= NX_HMARK_SRC_PREFIX;
    }
    if (f & NX_HMARK_DST_PREFIX && a->dst_prefix == 128) {
        full |= NX_HMARK_DST_PREFIX;
    }
    if (f & NX_HMARK_SPORT_MASK && get_sport(a->port_mask) == 0xffff) {
        full |= NX_HMARK_SPORT_MASK;
    }
    if (f & NX_HMARK_DPORT_MASK && get_dport(a->port_mask) == 0xffff) {
        full |= NX_HMARK_DPORT_MASK;
    }
    if (f & NX_HMARK_SPI_MASK && a->port_mask == OVS_BE32_MAX) {
        full |= NX_HMARK_SPI_MASK;
    }
    if (f & NX_HMARK_PROTO_MASK && a->proto_mask == UINT16_MAX) {
        full |= NX_HMARK_PROTO_MASK;
    }
    full |= f & NX_HMARK_CT;

    if (full) {
        const struct hmark_tuple_field *tf;

        ds_put_cstr(s, "tuple=");
        for (tf = tuple_fields; tf < &tuple_fields[ARRAY_SIZE(tuple_fields)];
             tf++) {
            if (full & tf->flag) {
                ds_put_format(s, "%s%s", sep, tf->name);
                sep = "+";
            }
        }
        sep = ",";
    }

    f &= ~full;
    if (f & NX_HMARK_SRC_PREFIX) {
        ds_put_format(s, "%ssrc_prefix=%"PRIu8, sep, a->src_prefix);
        sep = ",";
    }
    if (f & NX_HMARK_DST_PREFIX) {
        ds_put_format(s, "%sdst_prefix=%"PRIu8, sep, a->dst_prefix);
        sep = ",";
    }
    if (f & NX_HMARK_SPORT_MASK) {
        ds_put_format(s, "%ssport_mask=%#"PRIx16, sep,
                      get_sport(a->port_mask));
        sep = ",";
    }
    if (f & NX_HMARK_DPORT_MASK) {
        ds_put_format(s, "%sdport_mask=%#"PRIx16, sep,
                      get_dport(a->port_mask));
        sep = ",";
    }
    if (f & NX_HMARK_SPI_MASK) {
        ds_put_format(s, "%sspi_mask=%#"PRIx32, sep, ntohl(a->port_mask));
        sep = ",";
    }
    if (f & NX_HMARK_PROTO_MASK) {
        ds_put_format(s, "%sproto_mask=%#"PRIx16, sep, a->proto_mask);
        sep = ",";
    }
    if (f & NX_HMARK_SPORT) {
        ds_put_format(s, "%ssport=%"PRIu16, sep, get_sport(a->port_set));
        sep = ",";
    }
    if (f & NX_HMARK_DPORT) {
        ds_put_format(s, "%sdport=%"PRIu16, sep, get_dport(a->port_set));
        sep = ",";
    }
    if (f & NX_HMARK_SPI) {
        ds_put_format(s, "%sspi=%#"PRIx32, sep, ntohl(a->port_set));
        sep = ",";
    }
    ds_put_format(s, "%srnd=%#"PRIx32",mod=%"PRIu32, sep, a->rnd, a->mod);
    if (a->offset) {
        ds_put_format(s, ",offset=%"PRIu32, a->offset);
    }
    if (!hmark_dst_is_pkt_mark(a)) {
        ds_put_cstr(s, ",dst=");
        mf_format_subfield(&a->dst, s);
    }
}

/* Decodes 'nah', whose length the caller has checked, and appends the action
 * to 'ofpacts'.  On error, appends nothing. */
enum ofperr
hmark_decode(const struct nx_action_hmark *nah,
             const struct vl_mff_map *vl_mff_map, uint64_t *tlv_bitmap,
             struct ofpbuf *ofpacts)
{
    struct ofpact_hmark h;
    enum ofperr error;

    memset(&h, 0, sizeof h);
    if (!is_all_zeros(nah->pad, sizeof nah->pad)) {
        return OFPERR_NXBRC_MUST_BE_ZERO;
    }
    h.flags = ntohs(nah->flags);
    h.src_prefix = nah->src_prefix;
    h.dst_prefix = nah->dst_prefix;
    h.proto_mask = ntohs(nah->proto_mask);
    h.port_mask = nah->port_mask;
    h.port_set = nah->port_set;
    h.rnd = ntohl(nah->rnd);
    h.mod = ntohl(nah->mod);
    h.offset = ntohl(nah->offset);
    h.dst.ofs = nxm_decode_ofs(nah->ofs_nbits);
    h.dst.n_bits = nxm_decode_n_bits(nah->ofs_nbits);

    struct ofpbuf b = ofpbuf_const_initializer(nah, ntohs(nah->len));
    ofpbuf_pull(&b, offsetof(struct nx_action_hmark, dst));
    error = mf_vl_mff_nx_pull_header(&b, vl_mff_map, &h.dst.field, NULL,
                                     tlv_bitmap);
    if (error) {
        return error;
    }
    if (!is_all_zeros(b.data, b.size)) {
        return OFPERR_NXBRC_MUST_BE_ZERO;
    }
    error = mf_check_dst(&h.dst, NULL);
    if (error) {
        return error;
    }

    const char *problem = hmark_validate(&h);
    if (problem) {
        VLOG_WARN_RL(&rl, "%s", problem);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    char *width_error = hmark_check_dst_width(&h);
    if (width_error) {
        VLOG_WARN_RL(&rl, "%s", width_error);
        free(width_error);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    hmark_put(ofpacts, &h);
    return 0;
}

/* Fills in the action that put_NXAST_HMARK() just appended to 'out'. */
void
hmark_encode(const struct ofpact_hmark *a, struct ofpbuf *out)
{
    size_t start_ofs = out->size - sizeof(struct nx_action_hmark);
    struct nx_action_hmark *nah;

    nah = ofpbuf_at_assert(out, start_ofs, sizeof *nah);
    nah->flags = htons(a->flags);
    nah->src_prefix = a->src_prefix;
    nah->dst_prefix = a->dst_prefix;
    nah->proto_mask = htons(a->proto_mask);
    nah->port_mask = a->port_mask;
    nah->port_set = a->port_set;
    nah->rnd = htonl(a->rnd);
    nah->mod = htonl(a->mod);
    nah->offset = htonl(a->offset);
    nah->ofs_nbits = nxm_encode_ofs_nbits(a->dst.ofs, a->dst.n_bits);

    /* The field's header goes into 'dst', which is all-zeros. */
    size_t size = out->size;
    out->size = start_ofs + offsetof(struct nx_action_hmark, dst);
    nx_put_mff_header(out, a->dst.field, 0, false);
    out->size = size;
}

/* Checks 'a' against the flow match 'match' (e.g. that a destination field's
 * prerequisites hold). */
enum ofperr
hmark_check(const struct ofpact_hmark *a, const struct match *match)
{
    char *width_error = hmark_check_dst_width(a);

    if (width_error) {
        VLOG_WARN_RL(&rl, "%s", width_error);
        free(width_error);
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }
    return mf_check_dst(&a->dst, match);
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

/* What xt_HMARK hashes. */
struct hmark_tuple {
    ovs_be32 src;               /* Masked (IPv6: the masked words XORed). */
    ovs_be32 dst;
    uint32_t ports;             /* Ordered, see hmark_ports(). */
    uint8_t proto;
};

/* Masks, ORs and orders the 32 bits 'raw' read at the ports' offset, so that
 * both directions give the same value. */
static uint32_t
hmark_ports(ovs_be32 raw, const struct ovs_action_hmark *p)
{
    uint32_t v = ntohl((raw & p->port_mask) | p->port_set);
    uint16_t src = v >> 16;
    uint16_t dst = v;

    return dst > src ? (uint32_t) dst << 16 | src : (uint32_t) src << 16 | dst;
}

static uint32_t
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
static ovs_be32
mask_ipv6(const void *addr, const struct in6_addr *mask)
{
    ovs_be32 a[4], m[4];

    memcpy(a, addr, sizeof a);
    memcpy(m, mask, sizeof m);
    return (a[0] & m[0]) ^ (a[1] & m[1]) ^ (a[2] & m[2]) ^ (a[3] & m[3]);
}

/* Returns the mask for IPv4 addresses: the first 32 bits of 'mask'. */
static ovs_be32
mask_ipv4(const struct in6_addr *mask)
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
static int
proto_ports_offset(uint8_t proto)
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

static bool
is_icmp_error(unsigned int type)
{
    return (type == ICMP4_DST_UNREACH || type == ICMP4_SOURCEQUENCH
            || type == ICMP4_TIME_EXCEEDED || type == ICMP4_PARAM_PROB
            || type == ICMP4_REDIRECT);
}

static bool
is_icmpv6_error(unsigned int type)
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

static ovs_be16
get_be16(const uint8_t *p)
{
    ovs_be16 x;

    memcpy(&x, p, sizeof x);
    return x;
}

static ovs_be32
get_be32(const uint8_t *p)
{
    ovs_be32 x;

    memcpy(&x, p, sizeof x);
    return x;
}

/* Reads the ports or SPI of protocol 'proto' whose header is at 'l4' into
 * 't', if the protocol has them and they are there. */
static void
packet_ports(const uint8_t *l3, size_t len, size_t l4, uint8_t proto,
             const struct ovs_action_hmark *p, struct hmark_tuple *t)
{
    int ofs = proto_ports_offset(proto);
    const uint8_t *ports = ofs >= 0 ? hdr_at(l3, len, l4 + ofs, 4) : NULL;

    if (ports) {
        t->ports = hmark_ports(get_be32(ports), p);
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
    len = ntohs(get_be16(l3 + 2));
    if (ihl < IP_HEADER_LEN || ihl > size || len > size || len < ihl) {
        return true;
    }

    /* An ICMP error is hashed on the header it carries.  If that header is
     * cut short, the mark stays as it is. */
    if (l3[9] == IPPROTO_ICMP) {
        const uint8_t *icmp = hdr_at(l3, len, ihl, ICMP_HEADER_LEN);

        if (icmp && is_icmp_error(icmp[0])) {
            nh = ihl + ICMP_HEADER_LEN;
            if (!hdr_at(l3, len, nh, IP_HEADER_LEN)) {
                return false;
            }
        }
    }

    const uint8_t *ip = l3 + nh;
    t->src = get_be32(ip + 12) & mask_ipv4(&p->src_mask);
    t->dst = get_be32(ip + 16) & mask_ipv4(&p->dst_mask);
    t->proto = ip[9];
    if (t->proto == IPPROTO_ICMP
        || get_be16(ip + 6) & htons(IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)) {
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
            if (ntohs(get_be16(fo)) & ~7) {
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
    len = ntohs(get_be16(l3 + 4)) + IPV6_HEADER_LEN;
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

        if (icmp6 && is_icmpv6_error(icmp6[0])) {
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

    t->src = mask_ipv6(ip6 + 8, &p->src_mask);
    t->dst = mask_ipv6(ip6 + 24, &p->dst_mask);
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
    len = MIN(size, ntohs(get_be16(l3 + 4)) + IPV6_HEADER_LEN);
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
            return get_be16(icmp6 + 4);
        }
        if (!is_icmpv6_error(icmp6[0])) {
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

        t->src = mask_ipv6(&c->ipv6_src, &p->src_mask);
        t->dst = mask_ipv6(&c->ipv6_dst, &p->dst_mask);
        t->proto = c->ipv6_proto;
        sport = c->src_port;
        dport = c->dst_port;
    } else if (!ipv6 && !md->ct_orig_tuple_ipv6) {
        const struct ovs_key_ct_tuple_ipv4 *c = &md->ct_orig_tuple.ipv4;

        t->src = c->ipv4_src & mask_ipv4(&p->src_mask);
        t->dst = c->ipv4_dst & mask_ipv4(&p->dst_mask);
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

/* Returns the Ethernet type of 'packet''s L3 header, or 0 if it has none or
 * it is inside MPLS. */
static ovs_be16
packet_l3_type(const struct dp_packet *packet)
{
    if (packet->l3_ofs == UINT16_MAX || packet->l2_5_ofs != UINT16_MAX) {
        return 0;
    }
    if (packet->packet_type == htonl(PT_ETH)) {
        if (packet->l3_ofs < ETH_HEADER_LEN) {
            return 0;
        }
        /* The Ethernet type just before the L3 header, after any VLANs. */
        return get_be16((const uint8_t *) dp_packet_l3(packet) - 2);
    }
    return (pt_ns(packet->packet_type) == OFPHTN_ETHERTYPE
            ? pt_ns_type_be(packet->packet_type) : 0);
}

/* Computes the mark that xt_HMARK with parameters 'p' gives 'packet' into
 * '*mark'.  Returns false if the mark stays as it is: not an IPv4 or IPv6
 * packet, an ICMP error whose embedded header is cut short or, with "ct",
 * not tracked. */
bool
hmark_packet(const struct ovs_action_hmark *p, const struct dp_packet *packet,
             uint32_t *mark)
{
    ovs_be16 type = packet_l3_type(packet);
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

/* Flows.
 *
 * hmark_flow() computes the same as hmark_packet() from a flow and adds to
 * the wildcards exactly the bits that the result depends on.  A flow holds
 * all that the hash reads for TCP, UDP, SCTP, ICMP and ICMPv6 packets, but
 * not an ICMP error's embedded header, ESP's or AH's SPI, DCCP's or
 * UDP-Lite's ports, the ports of a TCP, UDP or SCTP header too short for
 * flow extraction, the protocol of a later IPv6 fragment, what follows
 * unparsable IPv6 extension headers, or, with "ct", an ICMPv6 echo
 * identifier or the conntrack ports of packets whose L4 header it did not
 * parse: for those it returns HMARK_NEEDS_PACKET. */

static void
mask_ipv6_wc(struct in6_addr *wc, const struct in6_addr *mask)
{
    for (int i = 0; i < ARRAY_SIZE(wc->s6_addr); i++) {
        wc->s6_addr[i] |= mask->s6_addr[i];
    }
}

static enum hmark_flow_result
flow_ct(const struct ovs_action_hmark *p, const struct flow *flow,
        struct flow_wildcards *wc, struct hmark_tuple *t, const char **why)
{
    bool ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);

    wc->masks.ct_state |= CS_TRACKED | CS_INVALID;
    if (!(flow->ct_state & CS_TRACKED) || flow->ct_state & CS_INVALID) {
        *why = "no conntrack entry";
        return HMARK_UNCHANGED;
    }

    WC_MASK_FIELD(wc, ct_nw_proto);
    t->proto = flow->ct_nw_proto;
    if (ipv6) {
        t->src = mask_ipv6(&flow->ct_ipv6_src, &p->src_mask);
        t->dst = mask_ipv6(&flow->ct_ipv6_dst, &p->dst_mask);
        mask_ipv6_wc(&wc->masks.ct_ipv6_src, &p->src_mask);
        mask_ipv6_wc(&wc->masks.ct_ipv6_dst, &p->dst_mask);
    } else {
        t->src = flow->ct_nw_src & mask_ipv4(&p->src_mask);
        t->dst = flow->ct_nw_dst & mask_ipv4(&p->dst_mask);
        wc->masks.ct_nw_src |= mask_ipv4(&p->src_mask);
        wc->masks.ct_nw_dst |= mask_ipv4(&p->dst_mask);
    }

    if (t->proto == IPPROTO_ICMP) {
        return HMARK_VALUE;
    }
    ovs_be32 raw = 0;
    if (p->port_mask) {
        uint8_t proto = flow->nw_proto;

        if (t->proto == IPPROTO_ICMPV6) {
            *why = "an ICMPv6 connection, hashed on its echo identifier";
            return HMARK_NEEDS_PACKET;
        }

        /* The flow holds the conntrack ports only if it parsed the
         * packet's own L4 header. */
        WC_MASK_FIELD(wc, nw_proto);
        wc->masks.nw_frag |= FLOW_NW_FRAG_LATER;
        if (flow->nw_frag & FLOW_NW_FRAG_LATER
            || (proto != IPPROTO_TCP && proto != IPPROTO_UDP
                && proto != IPPROTO_SCTP && proto != IPPROTO_ICMP
                && proto != IPPROTO_IGMP && proto != IPPROTO_ICMPV6)) {
            *why = "conntrack ports that the flow holds only for TCP, UDP, "
                   "SCTP and ICMP";
            return HMARK_NEEDS_PACKET;
        }
        raw = htonl(((uint32_t) ntohs(flow->ct_tp_src) << 16)
                    | ntohs(flow->ct_tp_dst));
        wc->masks.ct_tp_src |= htons(get_sport(p->port_mask));
        wc->masks.ct_tp_dst |= htons(get_dport(p->port_mask));
    }
    t->ports = hmark_ports(raw, p);
    return HMARK_VALUE;
}

/* Computes into '*mark' the mark that xt_HMARK with parameters 'p' gives the
 * packets of 'flow', and adds to 'wc' the bits that it depends on.  If the
 * mark stays as it is or the flow does not hold everything that the mark
 * depends on, returns HMARK_UNCHANGED or HMARK_NEEDS_PACKET with '*why'
 * pointing to a phrase that says why. */
enum hmark_flow_result
hmark_flow(const struct ovs_action_hmark *p, const struct flow *flow,
           struct flow_wildcards *wc, uint32_t *mark, const char **why)
{
    bool ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);
    struct hmark_tuple t;
    enum hmark_flow_result r;

    *why = NULL;
    memset(&t, 0, sizeof t);
    WC_MASK_FIELD(wc, dl_type);
    if (!is_ip_any(flow)) {
        *why = "not IPv4 or IPv6";
        return HMARK_UNCHANGED;
    }

    if (p->flags & OVS_HMARK_F_CT) {
        r = flow_ct(p, flow, wc, &t, why);
        if (r == HMARK_VALUE) {
            *mark = hmark_hash(&t, p);
        }
        return r;
    }

    uint8_t proto = flow->nw_proto;
    bool frag = flow->nw_frag & FLOW_NW_FRAG_ANY;
    bool later = flow->nw_frag & FLOW_NW_FRAG_LATER;

    WC_MASK_FIELD(wc, nw_proto);
    wc->masks.nw_frag |= FLOW_NW_FRAG_MASK;
    if (!ipv6) {
        if (proto == IPPROTO_ICMP) {
            if (later) {
                *why = "a later fragment of ICMP, whose payload the kernel "
                       "reads as an ICMP header";
                return HMARK_NEEDS_PACKET;
            }
            wc->masks.tp_src |= htons(0xff);
            if (is_icmp_error(ntohs(flow->tp_src))) {
                *why = "an ICMP error, hashed on the header it carries";
                return HMARK_NEEDS_PACKET;
            }
        }
        t.src = flow->nw_src & mask_ipv4(&p->src_mask);
        t.dst = flow->nw_dst & mask_ipv4(&p->dst_mask);
        wc->masks.nw_src |= mask_ipv4(&p->src_mask);
        wc->masks.nw_dst |= mask_ipv4(&p->dst_mask);
    } else {
        if (later) {
            *why = "a later IPv6 fragment, whose protocol the flow does not "
                   "hold";
            return HMARK_NEEDS_PACKET;
        }
        if (proto == IPPROTO_HOPOPTS) {
            /* Flow extraction walks past hop-by-hop options, so it leaves
             * 0 only when the extension headers are cut short. */
            *why = "IPv6 extension headers cut short";
            return HMARK_NEEDS_PACKET;
        }
        if (!frag && proto == IPPROTO_ICMPV6) {
            wc->masks.tp_src |= htons(0xff);
            if (is_icmpv6_error(ntohs(flow->tp_src))) {
                *why = "an ICMPv6 error, hashed on the header it carries";
                return HMARK_NEEDS_PACKET;
            }
        }
        t.src = mask_ipv6(&flow->ipv6_src, &p->src_mask);
        t.dst = mask_ipv6(&flow->ipv6_dst, &p->dst_mask);
        mask_ipv6_wc(&wc->masks.ipv6_src, &p->src_mask);
        mask_ipv6_wc(&wc->masks.ipv6_dst, &p->dst_mask);
    }
    t.proto = proto;

    /* Fragments are hashed without ports.  Without a mask, the ports' value
     * does not matter, but whether they are there still does, if there are
     * values to OR in. */
    if (!frag && (p->port_mask || p->port_set)
        && proto_ports_offset(proto) >= 0) {
        if (proto != IPPROTO_TCP && proto != IPPROTO_UDP
            && proto != IPPROTO_SCTP) {
            *why = "ESP, AH, DCCP or UDP-Lite, whose SPI or ports the flow "
                   "does not hold";
            return HMARK_NEEDS_PACKET;
        }

        /* Flow extraction leaves both ports 0 when the L4 header is shorter
         * than its fixed part (TCP 20 bytes, UDP 8, SCTP 12), while the
         * kernel reads the ports from any 4 bytes there, and with fewer
         * than 4 hashes 0 without the values to OR in.  A flow with ports
         * 0 and 0 cannot tell these apart from real ports 0.  Any other
         * flow holds the real ports: one bit set in them keeps its megaflow
         * from matching the ports-0 flows. */
        uint32_t raw = (uint32_t) ntohs(flow->tp_src) << 16
                       | ntohs(flow->tp_dst);
        if (!raw) {
            wc->masks.tp_src = OVS_BE16_MAX;
            wc->masks.tp_dst = OVS_BE16_MAX;
            *why = "TCP, UDP or SCTP ports 0 and 0, which the flow also "
                   "holds for an L4 header cut short";
            return HMARK_NEEDS_PACKET;
        }
        uint32_t wc_ports = ntohl(p->port_mask);
        if (!(raw & wc_ports)) {
            wc_ports |= raw & -raw;
        }
        t.ports = hmark_ports(htonl(raw), p);
        wc->masks.tp_src |= htons(wc_ports >> 16);
        wc->masks.tp_dst |= htons(wc_ports & 0xffff);
    }
    *mark = hmark_hash(&t, p);
    return HMARK_VALUE;
}

/* Translation. */

/* Computes the mark of 'packet', as it is at this point of a translation
 * whose flow is now 'flow' and was 'packet_flow' for 'packet' as received.
 * Actions before this one may have rewritten the addresses, which only the
 * flow shows yet: the mark is then computed on a copy with the new
 * addresses.  Returns false if the mark stays as it is or cannot be
 * computed (another change, e.g. of the Ethernet type, came first). */
static bool
hmark_packet_now(const struct ovs_action_hmark *p,
                 const struct dp_packet *packet,
                 const struct flow *packet_flow, const struct flow *flow,
                 uint32_t *mark)
{
    if (!packet_flow) {
        return hmark_packet(p, packet, mark);
    }
    if (packet_flow->dl_type != flow->dl_type
        || packet_flow->nw_proto != flow->nw_proto
        || packet_flow->nw_frag != flow->nw_frag
        || packet_flow->tp_src != flow->tp_src
        || packet_flow->tp_dst != flow->tp_dst) {
        return false;
    }

    bool ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);
    if (ipv6
        ? (ipv6_addr_equals(&packet_flow->ipv6_src, &flow->ipv6_src)
           && ipv6_addr_equals(&packet_flow->ipv6_dst, &flow->ipv6_dst))
        : (packet_flow->nw_src == flow->nw_src
           && packet_flow->nw_dst == flow->nw_dst)) {
        return hmark_packet(p, packet, mark);
    }

    struct dp_packet *copy = dp_packet_clone(packet);
    uint8_t *l3 = dp_packet_l3(copy);
    bool ok = false;

    if (ipv6 && dp_packet_l3_size(copy) >= IPV6_HEADER_LEN) {
        memcpy(l3 + 8, &flow->ipv6_src, sizeof flow->ipv6_src);
        memcpy(l3 + 24, &flow->ipv6_dst, sizeof flow->ipv6_dst);
        ok = hmark_packet(p, copy, mark);
    } else if (!ipv6 && dp_packet_l3_size(copy) >= IP_HEADER_LEN) {
        memcpy(l3 + 12, &flow->nw_src, sizeof flow->nw_src);
        memcpy(l3 + 16, &flow->nw_dst, sizeof flow->nw_dst);
        ok = hmark_packet(p, copy, mark);
    }
    dp_packet_delete(copy);
    return ok;
}

/* Writes 'mark' to 'dst' in 'flow' and un-wildcards 'dst', so that the flow's
 * commit writes it. */
static void
write_mark(const struct mf_subfield *dst, uint32_t mark, struct flow *flow,
           struct flow_wildcards *wc)
{
    union mf_subvalue value;

    memset(&value, 0, sizeof value);
    value.be32[ARRAY_SIZE(value.be32) - 1] = htonl(mark);
    mf_write_subfield_flow(dst, &value, flow);

    memset(&value, 0xff, sizeof value);
    mf_write_subfield_flow(dst, &value, &wc->masks);
}

/* Translates 'a' for 'flow', adding to 'wc' what the result depends on.
 * When the flow does not hold everything, the mark is computed from 'packet'
 * (see hmark_packet_now() for 'packet_flow'), if there is one.  Returns true
 * if that was needed, in which case the translation must be slow-pathed, so
 * that every packet is translated with its own mark.  'dp' says that the
 * datapath action was emitted, for the sentence appended to 'trace'. */
static bool
hmark_xlate__(const struct ofpact_hmark *a, struct flow *flow,
              struct flow_wildcards *wc, const struct dp_packet *packet,
              const struct flow *packet_flow, bool dp, struct ds *trace)
{
    struct ovs_action_hmark p;
    const char *why;
    uint32_t mark;
    bool slow = false;

    hmark_to_odp(a, &p);
    switch (hmark_flow(&p, flow, wc, &mark, &why)) {
    case HMARK_UNCHANGED:
        if (trace) {
            ds_put_format(trace, "%s: mark unchanged", why);
        }
        return false;

    case HMARK_VALUE:
        break;

    case HMARK_NEEDS_PACKET:
        slow = true;
        if (!packet || !hmark_packet_now(&p, packet, packet_flow, flow,
                                         &mark)) {
            if (trace) {
                ds_put_format(trace, "%s: mark computed per packet%s", why,
                              dp ? "" : " in the slow path");
            }
            return slow;
        }
        break;

    default:
        OVS_NOT_REACHED();
    }

    write_mark(&a->dst, mark, flow, wc);
    if (trace) {
        ds_put_format(trace, "mark %"PRIu32" (%#"PRIx32")", mark, mark);
        if (!hmark_dst_is_pkt_mark(a)) {
            ds_put_cstr(trace, " to ");
            mf_format_subfield(&a->dst, trace);
        }
        if (slow) {
            ds_put_format(trace, ", from the packet: %s%s", why,
                          dp ? "" : " (slow path)");
        }
    }
    return slow;
}

/* Translates 'a' without the datapath action: writes the mark into 'flow'
 * and adds to 'wc' exactly the masked bits that the hash used.  Returns true
 * if the translation must be slow-pathed because the flow does not hold
 * everything that the mark depends on.  'packet' and 'packet_flow' are the
 * packet being translated, if any, and its flow as received.  If 'trace' is
 * nonnull, appends a sentence for ofproto/trace. */
bool
hmark_xlate(const struct ofpact_hmark *a, struct flow *flow,
            struct flow_wildcards *wc, const struct dp_packet *packet,
            const struct flow *packet_flow, struct ds *trace)
{
    return hmark_xlate__(a, flow, wc, packet, packet_flow, false, trace);
}

/* With datapath support, hmark becomes the datapath action, which computes
 * the mark per packet, so that the megaflow need not depend on any hashed
 * field: one megaflow serves every connection.  That holds only if nothing
 * later in the translation reads the mark.  In Open vSwitch, whatever reads
 * a field during translation un-wildcards it, so hmark_xlate_dp() clears
 * pkt_mark's wildcard bits and hmark_xlate_finish() looks whether any came
 * back: if so, it un-wildcards what hmark_xlate() would have, so that the
 * megaflow only matches packets that get the same mark. */

/* Returns true if 'a' may use the datapath action for 'flow': it writes all
 * of pkt_mark, the flow is IP (for other packets the action does nothing),
 * and no other hmark datapath action came earlier in the translation (a
 * second one takes the ordinary path, which keeps the bookkeeping to one). */
bool
hmark_xlate_dp_ok(const struct hmark_xlate_state *state,
                  const struct ofpact_hmark *a, const struct flow *flow)
{
    return !state->pending && hmark_dst_is_pkt_mark(a) && is_ip_any(flow);
}

/* Updates 'flow' and 'base_flow' as if the datapath action just emitted had
 * executed on this packet, so that the rest of the translation sees its mark
 * but commits no set action for it. */
void
hmark_xlate_dp(struct hmark_xlate_state *state, const struct ofpact_hmark *a,
               struct flow *flow, struct flow *base_flow,
               struct flow_wildcards *wc, const struct dp_packet *packet,
               const struct flow *packet_flow, struct ds *trace)
{
    state->pending = true;
    state->pkt_mark_mask = wc->masks.pkt_mark;
    wc->masks.pkt_mark = 0;

    flow_wildcards_init_catchall(&state->wc);
    state->slow = hmark_xlate__(a, flow, &state->wc, packet, packet_flow,
                                true, trace);
    base_flow->pkt_mark = flow->pkt_mark;
    if (trace) {
        ds_put_cstr(trace, " (datapath action)");
    }
}

/* Completes the bookkeeping of hmark_xlate_dp() at the end of a translation
 * whose wildcards are 'wc'.  Returns true if the translation must be
 * slow-pathed. */
bool
hmark_xlate_finish(struct hmark_xlate_state *state, struct flow_wildcards *wc)
{
    if (!state->pending) {
        return false;
    }
    state->pending = false;

    bool read = wc->masks.pkt_mark != 0;
    wc->masks.pkt_mark |= state->pkt_mark_mask;
    if (!read) {
        return false;
    }
    flow_wildcards_or(wc, wc, &state->wc);
    return state->slow;
}
