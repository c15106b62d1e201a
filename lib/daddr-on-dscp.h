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

#ifndef DADDR_ON_DSCP_H
#define DADDR_ON_DSCP_H 1

/* The "set_daddr_on_dscp" action: the server half of L3DSR.
 *
 * A load balancer marks each packet for a VIP with a DSCP value that stands
 * for that VIP and sends it to a real server's own address.  On the server,
 * this action maps (address family, DSCP) back to the VIP and makes it the
 * packet's destination, so that the server's TCP/IP stack accepts the packet
 * and answers from the VIP.
 *
 * This module is the OpenFlow action: its text syntax and its OpenFlow
 * encoding.  lib/ofp-actions.c only registers and calls it.  The other
 * layers: daddr-on-dscp-xlate.h (translation) and odp-daddr-on-dscp.h (the
 * datapath action, with its per-packet code). */

#include <stdbool.h>
#include <stdint.h>
#include "compiler.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/types.h"

struct ds;
struct ofpact_set_daddr_on_dscp;
struct ofpbuf;

/* Number of DSCP values, 0 through 63. */
#define DADDR_ON_DSCP_N 64

/* Wire format: an Open vSwitch (Nicira vendor) extension action,
 * NXAST_SET_DADDR_ON_DSCP (subtype 200), valid in OpenFlow 1.0 and later.
 * docs/wire-format.md describes it byte by byte. */
struct nx_action_set_daddr_on_dscp {
    ovs_be16 type;              /* OFPAT_VENDOR. */
    ovs_be16 len;               /* 16 + the entries' length. */
    ovs_be32 vendor;            /* NX_VENDOR_ID. */
    ovs_be16 subtype;           /* NXAST_SET_DADDR_ON_DSCP. */
    ovs_be16 n_entries;         /* Number of entries that follow. */
    uint8_t pad[4];             /* Must be zero. */
    /* Followed by 'n_entries' entries, each a struct nx_daddr_on_dscp_ipv4
     * or a struct nx_daddr_on_dscp_ipv6, told apart by 'family'.  Both sizes
     * are multiples of 8, so the action stays 8-byte aligned. */
};
OFP_ASSERT(sizeof(struct nx_action_set_daddr_on_dscp) == 16);

/* Values of 'family' in an entry. */
enum {
    NX_DADDR_ON_DSCP_IPV4 = 4,
    NX_DADDR_ON_DSCP_IPV6 = 6,
};

struct nx_daddr_on_dscp_ipv4 {
    uint8_t family;             /* NX_DADDR_ON_DSCP_IPV4. */
    uint8_t dscp;               /* 0...63. */
    uint8_t pad[2];             /* Must be zero. */
    ovs_be32 addr;              /* New IPv4 destination. */
};
OFP_ASSERT(sizeof(struct nx_daddr_on_dscp_ipv4) == 8);

struct nx_daddr_on_dscp_ipv6 {
    uint8_t family;             /* NX_DADDR_ON_DSCP_IPV6. */
    uint8_t dscp;               /* 0...63. */
    uint8_t pad[6];             /* Must be zero. */
    uint8_t addr[16];           /* New IPv6 destination. */
};
OFP_ASSERT(sizeof(struct nx_daddr_on_dscp_ipv6) == 24);

char *daddr_on_dscp_parse(char *arg, struct ofpbuf *ofpacts)
    OVS_WARN_UNUSED_RESULT;
void daddr_on_dscp_format(const struct ofpact_set_daddr_on_dscp *,
                          struct ds *);

enum ofperr daddr_on_dscp_decode(const struct nx_action_set_daddr_on_dscp *,
                                 struct ofpbuf *ofpacts);
void daddr_on_dscp_encode(const struct ofpact_set_daddr_on_dscp *,
                          struct ofpbuf *out);

#endif /* daddr-on-dscp.h */
