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

#include "odp-l3dsr.h"

#include <string.h>

#include "dp-packet.h"
#include "dpif.h"
#include "flow.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "unaligned.h"
#include "util.h"

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

/* Returns the L3 protocol of 'packet' as its Ethernet type, or 0 if it has
 * no L3 header or it is not plain IPv4 or IPv6 but, e.g., IP inside MPLS,
 * which the actions leave alone as the rest of Open vSwitch does. */
ovs_be16
odp_l3dsr_l3_type(const struct dp_packet *packet)
{
    if (packet->l3_ofs == UINT16_MAX || packet->l2_5_ofs != UINT16_MAX) {
        return 0;
    }
    if (packet->packet_type == htonl(PT_ETH)) {
        if (packet->l3_ofs < ETH_HEADER_LEN) {
            return 0;
        }
        /* The Ethernet type just before the L3 header, after any VLANs. */
        return get_unaligned_be16(ALIGNED_CAST(const ovs_be16 *,
                                               (const char *)
                                               dp_packet_l3(packet) - 2));
    }
    return (pt_ns(packet->packet_type) == OFPHTN_ETHERTYPE
            ? pt_ns_type_be(packet->packet_type) : 0);
}

/* ORs 'more' into the IPv6 mask (e.g. wildcards) '*mask'. */
void
l3dsr_ipv6_mask_or(struct in6_addr *mask, const struct in6_addr *more)
{
    for (int i = 0; i < ARRAY_SIZE(mask->s6_addr); i++) {
        mask->s6_addr[i] |= more->s6_addr[i];
    }
}
