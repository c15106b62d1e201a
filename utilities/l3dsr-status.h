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

#ifndef L3DSR_STATUS_H
#define L3DSR_STATUS_H 1

/* "status" and "check": how far the configured VIPs are started, from a view
 * of the host and its bridges. */

#include <stdbool.h>
#include <stddef.h>

struct ds;
struct l3dsr_conf;
struct l3dsr_view;
struct svec;

struct l3dsr_status_input {
    const struct l3dsr_conf *conf;
    struct l3dsr_view *view;
    bool flows_unknown;         /* A bridge could not be read, or none was
                                 * given. */
    const struct svec *unreadable;     /* Bridges that could not be read... */
    const struct svec *bridge_errors;  /* ...and why, or NULL. */
    bool read_ok;               /* The rest could be read. */
    bool no_flows;              /* --no-flows: the VIPs need no flow. */
};

bool l3dsr_status_print(const struct l3dsr_status_input *, bool all,
                        bool header);
int l3dsr_check(const struct l3dsr_status_input *, struct ds *line);
char *l3dsr_status_json(const struct l3dsr_status_input *, bool all,
                        bool *ok);

#endif /* l3dsr-status.h */
