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

#ifndef ODP_HMARK_H
#define ODP_HMARK_H 1

/* The OVS_ACTION_ATTR_HMARK datapath action: the datapath side of hmark (see
 * hmark.h).
 *
 * The attribute holds a struct ovs_action_hmark, the parameters of Linux's
 * xt_HMARK target with the prefixes turned into masks, so that a datapath
 * needs nothing but the kernel's algorithm: it sets the packet's mark to the
 * hash of each packet.  This module holds the attribute's text syntax, the
 * hash and its computation from a packet, as xt_HMARK reads it. */

#include <stdbool.h>
#include <stdint.h>
#include "compiler.h"
#include "openvswitch/types.h"

struct dp_packet;
struct dp_packet_batch;
struct dpif;
struct ds;
struct in6_addr;
struct nlattr;
struct ofpact_hmark;
struct ofpbuf;
struct ovs_action_hmark;

void odp_hmark_put(const struct ofpact_hmark *, struct ofpbuf *odp_actions);

void odp_hmark_format(const struct nlattr *, struct ds *);
int odp_hmark_parse(const char *s, struct ofpbuf *odp_actions)
    OVS_WARN_UNUSED_RESULT;

void odp_hmark_execute(struct dp_packet_batch *, const struct nlattr *);

bool odp_hmark_probe(struct dpif *);

/* The algorithm.  Its parameters are those of the datapath action, struct
 * ovs_action_hmark (see include/linux/openvswitch.h): masks instead of
 * prefix lengths, as xt_HMARK keeps them. */
void hmark_to_odp(const struct ofpact_hmark *, struct ovs_action_hmark *);
bool hmark_packet(const struct ovs_action_hmark *, const struct dp_packet *,
                  uint32_t *mark);

/* The parts of the algorithm that translation's computation from a flow
 * (hmark-xlate.c) shares. */
struct hmark_tuple {
    ovs_be32 src;               /* Masked (IPv6: the masked words XORed). */
    ovs_be32 dst;
    uint32_t ports;             /* Ordered, see hmark_ports(). */
    uint8_t proto;
};
uint32_t hmark_hash(const struct hmark_tuple *,
                    const struct ovs_action_hmark *);
uint32_t hmark_ports(ovs_be32 raw, const struct ovs_action_hmark *);
ovs_be32 hmark_mask_ipv4(const struct in6_addr *mask);
ovs_be32 hmark_mask_ipv6(const void *addr, const struct in6_addr *mask);
int hmark_proto_ports_offset(uint8_t proto);
bool hmark_is_icmp_error(unsigned int type);
bool hmark_is_icmpv6_error(unsigned int type);

#endif /* odp-hmark.h */
