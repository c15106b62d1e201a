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

#ifndef L3DSR_BRIDGE_H
#define L3DSR_BRIDGE_H 1

/* The OpenFlow side of ovs-l3dsr: a connection to a bridge, which reads its
 * ports, datapath ID and flows, and changes its flows, one at a time or as
 * one atomic bundle. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"
#include "openvswitch/ofp-port.h"
#include "openvswitch/ofp-protocol.h"

struct ds;
struct l3dsr_flow;
struct vconn;

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

char *l3dsr_bridge_target(const char *name);
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

#endif /* l3dsr-bridge.h */
