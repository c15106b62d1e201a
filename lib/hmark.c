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

/* Where an option keeps its value in struct ofpact_hmark. */
enum hmark_field {
    HMARK_NO_VALUE,             /* "ct": only a flag. */
    HMARK_SRC_PREFIX,
    HMARK_DST_PREFIX,
    HMARK_PORT_MASK,
    HMARK_PROTO_MASK,
    HMARK_PORT_SET,
    HMARK_RND,
    HMARK_MOD,
    HMARK_OFFSET,
    N_HMARK_FIELDS
};

/* An option of the action's text syntax.  The one table below serves
 * hmark_parse(), hmark_format() and "tuple=" in both. */
struct hmark_option {
    const char *name;
    const char *tuple;          /* Its name in "tuple=", which sets it to
                                 * 'max', or NULL. */
    uint16_t flag;              /* Its NX_HMARK_* flag, or 0. */
    enum hmark_field field;
    uint32_t bits;              /* The bits of 'field' that hold it. */
    uint32_t min, max;
    bool hex;                   /* Formatted in hexadecimal. */
    bool required;
    bool optional;              /* Without a flag, formatted only if not 0. */
};

/* In the order of hmark_format(): the fields of "tuple=", then the other
 * options in the order of docs/hmark.md. */
static const struct hmark_option options[] = {
#define OPT(NAME, TUPLE, FLAG, FIELD, BITS, MIN, MAX, HEX, REQ, OPTIONAL) \
    { NAME, TUPLE, FLAG, HMARK_##FIELD, BITS, MIN, MAX, HEX, REQ, OPTIONAL }
#define ALL UINT32_MAX
#define SRC 0xffff0000
#define DST 0x0000ffff
    /*  name          tuple    flag
     *  field       bits min max         hex    required optional */
    OPT("src_prefix", "src",   NX_HMARK_SRC_PREFIX,
        SRC_PREFIX, ALL, 0,  128,        false, false, false),
    OPT("dst_prefix", "dst",   NX_HMARK_DST_PREFIX,
        DST_PREFIX, ALL, 0,  128,        false, false, false),
    OPT("sport_mask", "sport", NX_HMARK_SPORT_MASK,
        PORT_MASK,  SRC, 0,  UINT16_MAX, true,  false, false),
    OPT("dport_mask", "dport", NX_HMARK_DPORT_MASK,
        PORT_MASK,  DST, 0,  UINT16_MAX, true,  false, false),
    OPT("spi_mask",   "spi",   NX_HMARK_SPI_MASK,
        PORT_MASK,  ALL, 0,  UINT32_MAX, true,  false, false),
    OPT("proto_mask", "proto", NX_HMARK_PROTO_MASK,
        PROTO_MASK, ALL, 0,  UINT16_MAX, true,  false, false),
    OPT("ct",         "ct",    NX_HMARK_CT,
        NO_VALUE,   ALL, 0,  0,          false, false, false),
    OPT("sport",      NULL,    NX_HMARK_SPORT,
        PORT_SET,   SRC, 0,  UINT16_MAX, false, false, false),
    OPT("dport",      NULL,    NX_HMARK_DPORT,
        PORT_SET,   DST, 0,  UINT16_MAX, false, false, false),
    OPT("spi",        NULL,    NX_HMARK_SPI,
        PORT_SET,   ALL, 0,  UINT32_MAX, true,  false, false),
    OPT("rnd",        NULL,    0,
        RND,        ALL, 0,  UINT32_MAX, true,  true,  false),
    OPT("mod",        NULL,    0,
        MOD,        ALL, 1,  UINT32_MAX, false, true,  false),
    OPT("offset",     NULL,    0,
        OFFSET,     ALL, 0,  UINT32_MAX, false, false, true),
#undef ALL
#undef SRC
#undef DST
#undef OPT
};
BUILD_ASSERT_DECL(ARRAY_SIZE(options) <= 32);

/* Returns the option named 'name' ("tuple=" name if 'tuple'), or NULL. */
static const struct hmark_option *
find_option(const char *name, bool tuple)
{
    for (const struct hmark_option *o = options;
         o < &options[ARRAY_SIZE(options)]; o++) {
        const char *o_name = tuple ? o->tuple : o->name;

        if (o_name && !strcmp(name, o_name)) {
            return o;
        }
    }
    return NULL;
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

/* The fields of struct ofpact_hmark that hold the options' values, as one
 * array indexed by enum hmark_field, which the table names. */
static void
fields_from_ofpact(const struct ofpact_hmark *h, uint32_t f[N_HMARK_FIELDS])
{
    f[HMARK_NO_VALUE] = 0;
    f[HMARK_SRC_PREFIX] = h->src_prefix;
    f[HMARK_DST_PREFIX] = h->dst_prefix;
    f[HMARK_PORT_MASK] = ntohl(h->port_mask);
    f[HMARK_PROTO_MASK] = h->proto_mask;
    f[HMARK_PORT_SET] = ntohl(h->port_set);
    f[HMARK_RND] = h->rnd;
    f[HMARK_MOD] = h->mod;
    f[HMARK_OFFSET] = h->offset;
}

static void
fields_to_ofpact(const uint32_t f[N_HMARK_FIELDS], struct ofpact_hmark *h)
{
    h->src_prefix = f[HMARK_SRC_PREFIX];
    h->dst_prefix = f[HMARK_DST_PREFIX];
    h->port_mask = htonl(f[HMARK_PORT_MASK]);
    h->proto_mask = f[HMARK_PROTO_MASK];
    h->port_set = htonl(f[HMARK_PORT_SET]);
    h->rnd = f[HMARK_RND];
    h->mod = f[HMARK_MOD];
    h->offset = f[HMARK_OFFSET];
}

/* Returns the value of option 'o' in the fields 'f'. */
static uint32_t
option_get(const uint32_t f[N_HMARK_FIELDS], const struct hmark_option *o)
{
    return (f[o->field] & o->bits) >> raw_ctz(o->bits);
}

/* Sets the value of option 'o' in the fields 'f' to 'n'. */
static void
option_set(uint32_t f[N_HMARK_FIELDS], const struct hmark_option *o,
           uint32_t n)
{
    f[o->field] = (f[o->field] & ~o->bits) | (n << raw_ctz(o->bits));
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
    struct ofpact header = a->ofpact;

    *a = *h;
    a->ofpact = header;
}

/* Records in '*given' that option 'o' is given, and its flag in 'h'.
 * Returns an error if it already was. */
static char *
set_given(struct ofpact_hmark *h, uint32_t *given,
          const struct hmark_option *o)
{
    uint32_t bit = UINT32_C(1) << (o - options);

    if (*given & bit) {
        return xasprintf("hmark: %s given twice", o->name);
    }
    *given |= bit;
    h->flags |= o->flag;
    return NULL;
}

/* Parses 'value', the fields of "tuple=" joined by '+', each of which gives
 * its option at its full value. */
static char *
parse_tuple(struct ofpact_hmark *h, uint32_t f[N_HMARK_FIELDS],
            uint32_t *given, const char *value)
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
        const struct hmark_option *o = find_option(name, true);

        if (!o) {
            error = xasprintf("hmark: \"%s\": unknown tuple field (expected "
                              "src, dst, sport, dport, spi, proto or ct)",
                              name);
            goto out;
        }
        error = set_given(h, given, o);
        if (error) {
            goto out;
        }
        option_set(f, o, o->max);
    }
out:
    free(copy);
    return error;
}

/* Parses 'value' as the value of option 'o' into 'f' and 'h''s flags. */
static char *
parse_option(struct ofpact_hmark *h, uint32_t f[N_HMARK_FIELDS],
             uint32_t *given, const struct hmark_option *o, const char *value)
{
    uint32_t n;

    if (!l3dsr_parse_number(value, o->max, &n) || n < o->min) {
        return xasprintf("hmark: \"%s\": %s must be a number between "
                         "%"PRIu32" and %"PRIu32, value, o->name, o->min,
                         o->max);
    }
    option_set(f, o, n);
    return set_given(h, given, o);
}

/* Parses 'value' as the destination field into 'h'. */
static char *
parse_dst(struct ofpact_hmark *h, const char *value)
{
    char *error = mf_parse_subfield(&h->dst, value);

    if (error) {
        char *e = xasprintf("hmark: dst: %s", error);

        free(error);
        return e;
    }
    if (!h->dst.field->writable) {
        return xasprintf("hmark: dst: field %s is not writable",
                         h->dst.field->name);
    }
    return NULL;
}

/* Parses 'arg', the text between the parentheses of "hmark(...)", and
 * appends the action to 'ofpacts'.  Returns NULL if successful, otherwise a
 * malloc()'d string that describes the problem, without appending
 * anything. */
char * OVS_WARN_UNUSED_RESULT
hmark_parse(char *arg, struct ofpbuf *ofpacts)
{
    const struct hmark_option *o;
    bool have_dst = false, have_tuple = false;
    uint32_t f[N_HMARK_FIELDS] = { 0 };
    struct ofpact_hmark h;
    uint32_t given = 0;
    char *key, *value;

    memset(&h, 0, sizeof h);
    set_default_dst(&h.dst);
    while (ofputil_parse_key_value(&arg, &key, &value)) {
        char *error;

        if (!*value) {
            return xasprintf("hmark: \"%s\": expected KEY=VALUE", key);
        }
        if (!strcmp(key, "tuple")) {
            if (have_tuple) {
                return xstrdup("hmark: tuple given twice");
            }
            have_tuple = true;
            error = parse_tuple(&h, f, &given, value);
        } else if (!strcmp(key, "dst")) {
            if (have_dst) {
                return xstrdup("hmark: dst given twice");
            }
            have_dst = true;
            error = parse_dst(&h, value);
        } else {
            o = find_option(key, false);
            if (!o || o->field == HMARK_NO_VALUE) {
                return xasprintf("hmark: unknown option \"%s\"", key);
            }
            error = parse_option(&h, f, &given, o, value);
        }
        if (error) {
            return error;
        }
    }

    for (o = options; o < &options[ARRAY_SIZE(options)]; o++) {
        if (o->required && !(given & (UINT32_C(1) << (o - options)))) {
            return xasprintf("hmark: %s is required", o->name);
        }
    }
    fields_to_ofpact(f, &h);

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
    uint32_t f[N_HMARK_FIELDS];
    const struct hmark_option *o;
    uint16_t full = 0;
    const char *sep = "";

    fields_from_ofpact(a, f);
    for (o = options; o < &options[ARRAY_SIZE(options)]; o++) {
        if (o->tuple && a->flags & o->flag && option_get(f, o) == o->max) {
            ds_put_format(s, "%s%s", full ? "+" : "tuple=", o->tuple);
            full |= o->flag;
            sep = ",";
        }
    }
    for (o = options; o < &options[ARRAY_SIZE(options)]; o++) {
        uint32_t value = option_get(f, o);

        if (o->flag
            ? !(a->flags & o->flag) || full & o->flag
            : o->optional && !value) {
            continue;
        }
        ds_put_format(s, o->hex ? "%s%s=%#"PRIx32 : "%s%s=%"PRIu32,
                      sep, o->name, value);
        sep = ",";
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
