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

#ifndef L3DSR_START_H
#define L3DSR_START_H 1

/* What "start" and "stop" change: from the configuration, the state file
 * and a view of the host, the list of changes to make and the state that
 * they leave.  Nothing here changes the host. */

#include <stddef.h>
#include "compiler.h"

struct l3dsr_bridge;
struct l3dsr_conf;
struct l3dsr_flow;
struct l3dsr_plan;
struct l3dsr_state;
struct l3dsr_view;
struct svec;

/* What the plans start from. */
struct l3dsr_plan_input {
    const struct l3dsr_conf *conf;      /* For "start". */
    struct l3dsr_view *view;            /* The host and its bridges. */
    struct l3dsr_bridge *target;        /* Bridge for the flows, or NULL. */
    const struct svec *unreachable;     /* Bridges that could not be read. */
};

void l3dsr_plan_stop(const struct l3dsr_plan_input *,
                     const struct l3dsr_state *before,
                     struct l3dsr_plan *, struct l3dsr_state *after);
char *l3dsr_plan_start(const struct l3dsr_plan_input *,
                       const struct l3dsr_state *before,
                       struct l3dsr_flow **flows, size_t n_flows,
                       struct l3dsr_plan *, struct l3dsr_state *after)
    OVS_WARN_UNUSED_RESULT;

#endif /* l3dsr-start.h */
