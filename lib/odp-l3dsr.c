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

#include <config.h>

#include "odp-l3dsr-probe.h"

#include <string.h>

#include "dpif.h"
#include "flow.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"

/* Returns true if 'dpif' accepts a flow for IPv4 packets with 'actions'.  The
 * datapath actions of ovs-l3dsr only make sense for IP flows, and a datapath
 * may refuse them for anything else, so their probes use an IPv4 flow.
 * 'name' names the feature in the log. */
bool
odp_l3dsr_probe_ipv4_action(struct dpif *dpif, const char *name,
                            const struct ofpbuf *actions)
{
    struct odputil_keybuf keybuf;
    struct ofpbuf key;
    struct flow flow;

    memset(&flow, 0, sizeof flow);
    flow.dl_type = htons(ETH_TYPE_IP);
    struct odp_flow_key_parms odp_parms = {
        .flow = &flow,
        .probe = true,
    };
    ofpbuf_use_stack(&key, &keybuf, sizeof keybuf);
    odp_flow_key_from_flow(&odp_parms, &key);

    return dpif_probe_feature(dpif, name, &key, actions, NULL);
}
