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

#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
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
 * a malloc()'d string that describes the problem. */
static char *
hmark_validate(const struct ofpact_hmark *a)
{
    uint16_t f = a->flags;

    if (f & ~NX_HMARK_ALL_FLAGS) {
        return xstrdup("hmark: unknown flags");
    }
    if (a->src_prefix > 128 || a->dst_prefix > 128) {
        return xstrdup("hmark: prefix longer than 128 bits");
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
        return xstrdup("hmark: value for an option that is not given");
    }
    if (f & NX_HMARK_SPI_MASK
        && f & (NX_HMARK_SPORT_MASK | NX_HMARK_DPORT_MASK)) {
        return xstrdup("hmark: spi_mask cannot be combined with sport_mask or "
                       "dport_mask");
    }
    if (f & NX_HMARK_SPI && f & (NX_HMARK_SPORT | NX_HMARK_DPORT)) {
        return xstrdup("hmark: spi cannot be combined with sport or dport");
    }
    if (!(f & NX_HMARK_ALL_FLAGS)) {
        return xstrdup("hmark: at least one of tuple, src_prefix, "
                       "dst_prefix, sport_mask, dport_mask, spi_mask, "
                       "proto_mask, sport, dport or spi is required");
    }
    if (!a->mod) {
        return xstrdup("hmark: mod must be greater than 0");
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

/* Checks 'a' with hmark_validate() and hmark_check_dst_width(). */
static char *
hmark_check_all(const struct ofpact_hmark *a)
{
    char *error = hmark_validate(a);

    return error ? error : hmark_check_dst_width(a);
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

    char *error = hmark_check_all(&h);
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

    char *problem = hmark_check_all(&h);
    if (problem) {
        VLOG_WARN_RL(&rl, "%s", problem);
        free(problem);
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
