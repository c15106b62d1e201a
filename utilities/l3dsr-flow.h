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

#ifndef L3DSR_FLOW_H
#define L3DSR_FLOW_H 1

/* The flows of ovs-l3dsr: what one flow is, which configuration owns it (by
 * its cookie), and the flows that carry a configuration's set_daddr_on_dscp
 * map of its VIPs on a bridge. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "openvswitch/match.h"
#include "openvswitch/types.h"

struct l3dsr_bridge;
struct l3dsr_conf;
struct ofpact_set_daddr_on_dscp;

/* One flow, as ovs-l3dsr wants it or as a bridge reported it. */
struct l3dsr_flow {
    uint8_t table_id;
    uint16_t priority;
    struct match match;
    ovs_be64 cookie;
    struct ofpact *ofpacts;     /* Owned by the flow. */
    size_t ofpacts_len;
    uint64_t n_packets;         /* UINT64_MAX if unknown. */
    uint64_t n_bytes;           /* UINT64_MAX if unknown. */
};

/* The cookies of the flows of ovs-l3dsr: "L3DSR" in ASCII in the upper 40
 * bits, and in the lower 24 bits the configuration (state file) that owns
 * them.  Configuration 0, the cookie of ovs-l3dsr before configurations had
 * their own, is the default state file's. */
#define L3DSR_COOKIE UINT64_C(0x4c33445352000000)
#define L3DSR_COOKIE_MASK UINT64_C(0xffffffffff000000)
#define L3DSR_COOKIE_OWNER_MASK UINT64_C(0x0000000000ffffff)

void l3dsr_flow_set_owner(uint64_t cookie);
uint64_t l3dsr_flow_get_owner(void);
bool l3dsr_flow_is_owned(const struct l3dsr_flow *);
bool l3dsr_flow_is_l3dsr(const struct l3dsr_flow *);
struct l3dsr_flow *l3dsr_flow_clone(const struct l3dsr_flow *);
void l3dsr_flow_destroy(struct l3dsr_flow *);
bool l3dsr_flow_same_rule(const struct l3dsr_flow *,
                          const struct l3dsr_flow *);
bool l3dsr_flow_equal(const struct l3dsr_flow *, const struct l3dsr_flow *);
const struct ofpact_set_daddr_on_dscp *l3dsr_flow_get_map(
    const struct l3dsr_flow *);
struct in6_addr l3dsr_flow_server(const struct l3dsr_flow *);

void l3dsr_flows_destroy(struct l3dsr_flow **, size_t n);

/* How the flows look, from the command line. */
struct l3dsr_flow_options {
    const char *in_port;        /* Match only this port, if nonnull. */
    int priority;
    const char *then;           /* Actions after set_daddr_on_dscp. */
};

/* The flows that a configuration needs on a bridge. */
struct l3dsr_flows {
    struct l3dsr_flow **flows;  /* Owned, as each flow. */
    size_t n;
};

char *l3dsr_build_flows(const struct l3dsr_conf *, struct l3dsr_bridge *,
                        const struct l3dsr_flow_options *,
                        struct l3dsr_flows *)
    OVS_WARN_UNUSED_RESULT;

#endif /* l3dsr-flow.h */
