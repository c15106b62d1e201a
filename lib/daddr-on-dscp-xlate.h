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

#ifndef DADDR_ON_DSCP_XLATE_H
#define DADDR_ON_DSCP_XLATE_H 1

/* Translation of the "set_daddr_on_dscp" action (see daddr-on-dscp.h) by
 * ofproto/ofproto-dpif-xlate.c: into the datapath action
 * (odp-daddr-on-dscp.h) where the datapath has it, otherwise into a rewrite
 * of the flow's destination, which the commit turns into a set action. */

#include <stdbool.h>
#include <netinet/in.h>
#include "openvswitch/types.h"

struct ds;
struct flow;
struct flow_wildcards;
struct ofpact_set_daddr_on_dscp;

bool daddr_on_dscp_xlate(const struct ofpact_set_daddr_on_dscp *,
                         struct flow *, struct flow_wildcards *,
                         struct ds *trace);

/* State of one translation that emitted the datapath action.  Zero-initialize
 * it with the translation context. */
struct daddr_on_dscp_xlate_state {
    bool pending;               /* The datapath action was emitted. */
    bool ipv4;                  /* For an IPv4 flow, otherwise IPv6. */
    ovs_be32 nw_dst_mask;       /* Destination wildcards before the action. */
    struct in6_addr ipv6_dst_mask;
};

bool daddr_on_dscp_xlate_dp_ok(const struct daddr_on_dscp_xlate_state *,
                               const struct flow *);
void daddr_on_dscp_xlate_dp(struct daddr_on_dscp_xlate_state *,
                            const struct ofpact_set_daddr_on_dscp *,
                            struct flow *, struct flow *base_flow,
                            struct flow_wildcards *, struct ds *trace);
void daddr_on_dscp_xlate_finish(struct daddr_on_dscp_xlate_state *,
                                struct flow_wildcards *);

#endif /* daddr-on-dscp-xlate.h */
