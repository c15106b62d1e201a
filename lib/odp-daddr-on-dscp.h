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

#ifndef ODP_DADDR_ON_DSCP_H
#define ODP_DADDR_ON_DSCP_H 1

/* The OVS_ACTION_ATTR_SET_DADDR_ON_DSCP datapath action: the datapath side of
 * set_daddr_on_dscp (see daddr-on-dscp.h).
 *
 * The attribute holds a struct ovs_action_set_daddr_on_dscp: two bitmaps of
 * the DSCPs that have an entry, then the addresses, by ascending DSCP, IPv4
 * before IPv6.  A DSCP's address is the one whose position is the number of
 * bits below it in its family's bitmap; execution turns the bitmaps into a
 * per-DSCP index once per batch, so a lookup is one array access.
 * Duplicates cannot be expressed at all. */

#include <stdbool.h>
#include <stddef.h>
#include "compiler.h"
#include "openvswitch/types.h"

struct dp_packet;
struct dp_packet_batch;
struct dpif;
struct ds;
struct nlattr;
struct ofpact_set_daddr_on_dscp;
struct ofpbuf;

void odp_daddr_on_dscp_put(const struct ofpact_set_daddr_on_dscp *,
                           struct ofpbuf *odp_actions);

void odp_daddr_on_dscp_format(const struct nlattr *, struct ds *);
int odp_daddr_on_dscp_parse(const char *s, struct ofpbuf *odp_actions)
    OVS_WARN_UNUSED_RESULT;

void odp_daddr_on_dscp_execute(struct dp_packet_batch *,
                               const struct nlattr *);

bool odp_daddr_on_dscp_probe(struct dpif *);

#endif /* odp-daddr-on-dscp.h */
