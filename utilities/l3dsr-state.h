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

#ifndef L3DSR_STATE_H
#define L3DSR_STATE_H 1

/* ovs-l3dsr's state file: what "start" changed on the host, so that "stop"
 * removes exactly that and restores the sysctls it changed.
 *
 * It is a text file, one item a line:
 *
 *     bridge br0 0x0000aabbccddeeff
 *                          a bridge that may hold flows of ovs-l3dsr, as
 *                          the user named it, and its datapath ID, which
 *                          tells that two names reach the same bridge
 *     alias 192.0.2.1      an address that ovs-l3dsr added to "lo"
 *     sysctl NAME OLD NEW  a sysctl that it changed from OLD to NEW
 *     cookie 0x4c33445352000000
 *                          the cookie of the flows of this configuration
 *     priority 40000       the options that shaped the flows: --priority,
 *     in-port p1           --in-port (no line: any port) and --then (the
 *     then normal          rest of the line)
 *
 * Older state files have no datapath ID, cookie or options: their bridges
 * are matched by name, their cookie is L3DSR_COOKIE and their options are
 * unknown (the defaults).
 *
 * Lines that start with "#" are comments.  Since aliases, sysctls and flows
 * all disappear when the host reboots, the default location is in the Open
 * vSwitch run directory, which is emptied at boot too. */

#include <netinet/in.h>
#include <stdbool.h>
#include "compiler.h"
#include "l3dsr-host.h"
#include "svec.h"

struct l3dsr_sysctl {
    char *name;
    int old_value;              /* Value before ovs-l3dsr changed it. */
    int new_value;              /* Value ovs-l3dsr set. */
};

/* The options that shape the flows. */
struct l3dsr_state_options {
    char *in_port;              /* Port name, or NULL for any port. */
    int priority;
    char *then;                 /* Actions after set_daddr_on_dscp. */
};

struct l3dsr_state {
    struct svec bridges;        /* Bridges that may hold owned flows... */
    uint64_t *dpids;            /* ...and their datapath IDs (0: unknown). */
    uint64_t cookie;            /* Cookie of the flows, 0 if unknown. */
    bool has_options;           /* Is 'options' known? */
    struct l3dsr_state_options options;
    struct l3dsr_addrs aliases; /* Aliases ovs-l3dsr added to "lo". */
    struct l3dsr_sysctl *sysctls;
    size_t n_sysctls;
};

void l3dsr_state_init(struct l3dsr_state *);
void l3dsr_state_destroy(struct l3dsr_state *);
void l3dsr_state_clone(struct l3dsr_state *, const struct l3dsr_state *);
void l3dsr_state_union(struct l3dsr_state *, const struct l3dsr_state *);
bool l3dsr_state_is_empty(const struct l3dsr_state *);

void l3dsr_state_add_bridge(struct l3dsr_state *, const char *name,
                            uint64_t dpid);
uint64_t l3dsr_state_get_dpid(const struct l3dsr_state *, const char *name);
const char *l3dsr_state_pick_bridge(const struct l3dsr_state *,
                                    const char *bridge_opt);
void l3dsr_state_set_options(struct l3dsr_state *,
                             const struct l3dsr_state_options *);

struct l3dsr_sysctl *l3dsr_state_find_sysctl(const struct l3dsr_state *,
                                             const char *name);
void l3dsr_state_set_sysctl(struct l3dsr_state *, const char *name,
                            int old_value, int new_value);
void l3dsr_state_remove_sysctl(struct l3dsr_state *, const char *name);

char *l3dsr_state_read(const char *file_name, struct l3dsr_state *)
    OVS_WARN_UNUSED_RESULT;
char *l3dsr_state_write(const char *file_name, const struct l3dsr_state *)
    OVS_WARN_UNUSED_RESULT;

#endif /* l3dsr-state.h */
