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

#ifndef HMARK_H
#define HMARK_H 1

/* The "hmark" action: Linux's xt_HMARK target as an OpenFlow action.
 *
 * The action hashes the packet's (masked) addresses, ports or SPI and
 * protocol, or those of its conntrack original-direction tuple, with the
 * same algorithm as net/netfilter/xt_HMARK.c, scales the hash to 'mod'
 * buckets, adds 'offset' and writes the result to a field, pkt_mark by
 * default.  The hash does not depend on the direction of the packet, so
 * that both directions of a connection get the same mark.
 *
 * This module is the OpenFlow action: its text syntax, its OpenFlow encoding
 * and its checks.  lib/ofp-actions.c only registers and calls it.  The
 * other layers: hmark-xlate.h (translation, including the mark computed
 * from a flow) and odp-hmark.h (the datapath action, with the hash and its
 * computation from a packet). */

#include <stdbool.h>
#include <stdint.h>
#include "compiler.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/types.h"

struct ds;
struct match;
struct ofpact_hmark;
struct ofpbuf;
struct vl_mff_map;

/* Which options an action has.  These are not xt_HMARK's XT_HMARK_* bits
 * (there, e.g., XT_HMARK_SPI is bit 2): docs/hmark.md gives this layout.
 * The same bits are used in struct ofpact_hmark and on the wire.  An option
 * that is not given has a value of zero.  Giving an option with its full
 * value (e.g. src_prefix=128) is the same as naming it in "tuple=". */
enum nx_hmark_flags {
    NX_HMARK_SRC_PREFIX = 1 << 0,   /* tuple=src or src_prefix=. */
    NX_HMARK_DST_PREFIX = 1 << 1,   /* tuple=dst or dst_prefix=. */
    NX_HMARK_SPORT_MASK = 1 << 2,   /* tuple=sport or sport_mask=. */
    NX_HMARK_DPORT_MASK = 1 << 3,   /* tuple=dport or dport_mask=. */
    NX_HMARK_SPI_MASK = 1 << 4,     /* tuple=spi or spi_mask=. */
    NX_HMARK_SPORT = 1 << 5,        /* sport=. */
    NX_HMARK_DPORT = 1 << 6,        /* dport=. */
    NX_HMARK_SPI = 1 << 7,          /* spi=. */
    NX_HMARK_PROTO_MASK = 1 << 8,   /* tuple=proto or proto_mask=. */
    NX_HMARK_CT = 1 << 9,           /* tuple=ct. */
};
#define NX_HMARK_ALL_FLAGS ((NX_HMARK_CT << 1) - 1)

/* Wire format: an Open vSwitch (Nicira vendor) extension action,
 * NXAST_HMARK (subtype 201), valid in OpenFlow 1.0 and later.
 * docs/hmark.md describes it byte by byte. */
struct nx_action_hmark {
    ovs_be16 type;              /* OFPAT_VENDOR. */
    ovs_be16 len;               /* 48. */
    ovs_be32 vendor;            /* NX_VENDOR_ID. */
    ovs_be16 subtype;           /* NXAST_HMARK. */
    ovs_be16 flags;             /* NX_HMARK_*. */
    uint8_t src_prefix;         /* 0...128. */
    uint8_t dst_prefix;         /* 0...128. */
    ovs_be16 proto_mask;
    ovs_be32 port_mask;         /* Source port mask << 16 | destination port
                                 * mask, or the SPI mask. */
    ovs_be32 port_set;          /* Likewise, the values ORed in. */
    ovs_be32 rnd;               /* Hash seed. */
    ovs_be32 mod;               /* Number of marks, at least 1. */
    ovs_be32 offset;            /* Added to the scaled hash. */
    ovs_be16 ofs_nbits;         /* (ofs << 6) | (n_bits - 1) of 'dst'. */
    uint8_t pad[2];             /* Must be zero. */
    uint8_t dst[8];             /* 'dst' as an NXM/OXM header (4 or 8
                                 * bytes), then zeros. */
};
OFP_ASSERT(sizeof(struct nx_action_hmark) == 48);

/* OpenFlow action. */
char *hmark_parse(char *arg, struct ofpbuf *ofpacts) OVS_WARN_UNUSED_RESULT;
void hmark_format(const struct ofpact_hmark *, struct ds *);
enum ofperr hmark_decode(const struct nx_action_hmark *,
                         const struct vl_mff_map *, uint64_t *tlv_bitmap,
                         struct ofpbuf *ofpacts);
void hmark_encode(const struct ofpact_hmark *, struct ofpbuf *out);
enum ofperr hmark_check(const struct ofpact_hmark *, const struct match *);

/* Returns true if 'a' writes the whole of pkt_mark, which the datapath
 * action does. */
bool hmark_dst_is_pkt_mark(const struct ofpact_hmark *);

#endif /* hmark.h */
