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

/* The OpenFlow side of ovs-l3dsr: a connection to a bridge, and the flows
 * that carry the set_daddr_on_dscp map of the configured VIPs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/types.h"

struct ds;
struct ofpact_set_daddr_on_dscp;
struct vconn;

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

/* A connection to one bridge. */
struct l3dsr_bridge {
    char *name;                 /* As the user wrote it. */
    uint64_t dpid;              /* Datapath ID, as the switch says. */
    struct vconn *vconn;
    enum ofputil_protocol protocol;
    struct ofputil_port_map port_map;

    /* Every flow of the bridge, as l3dsr_bridge_dump() read them. */
    struct l3dsr_flow **flows;
    size_t n_flows;
};

char *l3dsr_bridge_open(const char *name, struct l3dsr_bridge **)
    OVS_WARN_UNUSED_RESULT;
void l3dsr_bridge_close(struct l3dsr_bridge *);
char *l3dsr_bridge_dump(struct l3dsr_bridge *) OVS_WARN_UNUSED_RESULT;
char *l3dsr_bridge_add_flow(struct l3dsr_bridge *, const struct l3dsr_flow *)
    OVS_WARN_UNUSED_RESULT;
char *l3dsr_bridge_del_flow(struct l3dsr_bridge *, const struct l3dsr_flow *)
    OVS_WARN_UNUSED_RESULT;
char *l3dsr_bridge_change_flows(struct l3dsr_bridge *,
                                const struct l3dsr_flow *const *flows,
                                const bool *add, size_t n)
    OVS_WARN_UNUSED_RESULT;
char *l3dsr_bridge_check_flow(const struct l3dsr_bridge *,
                              struct l3dsr_flow *) OVS_WARN_UNUSED_RESULT;
void l3dsr_bridge_format_flow(const struct l3dsr_bridge *,
                              const struct l3dsr_flow *, struct ds *);
void l3dsr_flows_destroy(struct l3dsr_flow **, size_t n);

#endif /* l3dsr-flow.h */
