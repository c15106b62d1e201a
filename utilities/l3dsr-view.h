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

#ifndef L3DSR_VIEW_H
#define L3DSR_VIEW_H 1

/* What ovs-l3dsr knows about the host and its bridges: what it read of them
 * so far, read once per run.  A plan simulated on a view changes the view
 * as the plan would change the host (see l3dsr_plan_simulate()). */

#include <stddef.h>
#include "compiler.h"
#include "l3dsr-host.h"
#include "simap.h"

struct l3dsr_bridge;

struct l3dsr_view {
    struct l3dsr_addrs lo;              /* Addresses on "lo". */
    struct l3dsr_addrs lo_mapped6;      /* IPv6 addresses on "lo" that are
                                         * IPv4-mapped, kept apart from the
                                         * IPv4 addresses in 'lo'. */
    struct simap sysctls;               /* Sysctls read so far, by name. */
    struct l3dsr_bridge **bridges;      /* Bridges, with all their flows. */
    size_t n_bridges;
};

void l3dsr_view_init(struct l3dsr_view *);
void l3dsr_view_destroy(struct l3dsr_view *);
char *l3dsr_view_get_sysctl(struct l3dsr_view *, const char *name,
                            int *value) OVS_WARN_UNUSED_RESULT;
void l3dsr_view_update_sysctl(struct l3dsr_view *, const char *name,
                              int value);

#endif /* l3dsr-view.h */
