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
 *     bridge br0           a bridge that may hold flows of ovs-l3dsr
 *     alias 192.0.2.1      an address that ovs-l3dsr added to "lo"
 *     sysctl NAME OLD NEW  a sysctl that it changed from OLD to NEW
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

struct l3dsr_state {
    struct svec bridges;        /* Bridges that may hold owned flows. */
    struct l3dsr_addrs aliases; /* Aliases ovs-l3dsr added to "lo". */
    struct l3dsr_sysctl *sysctls;
    size_t n_sysctls;
};

void l3dsr_state_init(struct l3dsr_state *);
void l3dsr_state_destroy(struct l3dsr_state *);
void l3dsr_state_clone(struct l3dsr_state *, const struct l3dsr_state *);
void l3dsr_state_union(struct l3dsr_state *, const struct l3dsr_state *);
bool l3dsr_state_is_empty(const struct l3dsr_state *);

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
