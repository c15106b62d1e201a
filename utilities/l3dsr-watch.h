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

#ifndef L3DSR_WATCH_H
#define L3DSR_WATCH_H 1

/* "ovs-l3dsr watch": a daemon that keeps what "start" set up in place.  It
 * follows the bridge's flow table with a flow monitor (NXST_FLOW_MONITOR)
 * and puts back the flows of ovs-l3dsr when they disappear or change (an
 * ovs-vswitchd restart, someone else's del-flows), and the VIPs that
 * vanish from "lo".  See ovs-l3dsr(8). */

#include <stdbool.h>

struct l3dsr_flow_options;
struct l3dsr_state;

struct l3dsr_watch_options {
    const char *servers_dir;    /* Servers directory, or NULL... */
    const char *conf_file;      /* ...configuration file, or NULL... */
    const char *conf_dir;       /* ...to read this directory. */
    const char *bridge;         /* -b, or NULL for the state file's. */
    const char *state_file;

    /* Sets the cookie of the flows and '*flow_options' as the state file's
     * 'state' records them, as "start" without options would use them.
     * The strings of '*flow_options' point into 'state'. */
    void (*flow_options)(const struct l3dsr_state *state,
                         struct l3dsr_flow_options *flow_options);
    const char *unixctl_path;   /* --unixctl, or NULL for the default. */

    /* Does what "ovs-l3dsr start" does, reporting on stdout and stderr.
     * Returns true if successful. */
    bool (*start)(void);
};

int l3dsr_watch_main(const struct l3dsr_watch_options *);

#endif /* l3dsr-watch.h */
