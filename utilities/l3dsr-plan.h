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

#ifndef L3DSR_PLAN_H
#define L3DSR_PLAN_H 1

/* Changes to the host and its bridges, planned first and then applied in
 * order, with every applied change undone if a later one fails.
 *
 * Each change can describe itself, be carried out, be turned into the change
 * that undoes it, and be simulated on a view of the host, so that a plan
 * made after another one sees the host as the first plan leaves it.  The
 * changes of flows that follow each other on one bridge are applied as one
 * atomic OpenFlow bundle. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include "compiler.h"

struct ds;
struct l3dsr_bridge;
struct l3dsr_flow;
struct l3dsr_view;

enum l3dsr_change_type {
    L3DSR_SET_SYSCTL,           /* Set 'sysctl' from 'old_value' to 'value'. */
    L3DSR_ADD_ALIAS,            /* Add 'addr' to "lo". */
    L3DSR_DEL_ALIAS,            /* Remove 'addr' from "lo". */
    L3DSR_ADD_FLOW,             /* Add 'flow' to 'br', replacing 'old_flow'
                                 * (same rule) if nonnull. */
    L3DSR_DEL_FLOW,             /* Delete 'flow' from 'br'. */
};

struct l3dsr_change {
    enum l3dsr_change_type type;
    char *sysctl;
    int old_value, value;
    struct in6_addr addr;
    struct l3dsr_bridge *br;
    struct l3dsr_flow *flow;
    struct l3dsr_flow *old_flow;
};

struct l3dsr_plan {
    struct l3dsr_change *changes;
    size_t n, allocated;
};

void l3dsr_plan_init(struct l3dsr_plan *);
void l3dsr_plan_destroy(struct l3dsr_plan *);
void l3dsr_plan_append(struct l3dsr_plan *, const struct l3dsr_plan *);
void l3dsr_plan_set_sysctl(struct l3dsr_plan *, const char *name,
                           int old_value, int value);
void l3dsr_plan_alias(struct l3dsr_plan *, enum l3dsr_change_type,
                      const struct in6_addr *);
void l3dsr_plan_flow(struct l3dsr_plan *, enum l3dsr_change_type,
                     struct l3dsr_bridge *, const struct l3dsr_flow *flow,
                     const struct l3dsr_flow *old_flow);
void l3dsr_plan_simulate(const struct l3dsr_plan *, struct l3dsr_view *);

void l3dsr_warn(const char *format, ...) OVS_PRINTF_FORMAT(1, 2);

void l3dsr_change_format(const struct l3dsr_change *, struct ds *);
char *l3dsr_change_apply(const struct l3dsr_change *) OVS_WARN_UNUSED_RESULT;

/* Options for l3dsr_plan_apply(). */
struct l3dsr_apply_options {
    bool verbose;               /* Print each change once made. */
    int fail_at;                /* Test hook: make the Nth change fail. */
};

bool l3dsr_plan_apply(const struct l3dsr_plan *,
                      const struct l3dsr_apply_options *,
                      bool *rolled_back);

#endif /* l3dsr-plan.h */
