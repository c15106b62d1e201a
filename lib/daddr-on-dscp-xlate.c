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

#include "daddr-on-dscp-xlate.h"

#include <string.h>

#include "flow.h"
#include "odp-l3dsr.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "packets.h"
#include "util.h"

/* Applies 'a' to 'flow': if 'flow' is IPv4 or IPv6 and 'a' has an entry for
 * its family and DSCP, sets its destination address to the entry's.  Adds to
 * 'wc' the fields that the decision depended on.  If 'trace' is nonnull,
 * appends a sentence that says what happened, for ofproto/trace.  Returns
 * true if 'flow' changed.
 *
 * A rewrite also un-wildcards the destination, as mod_nw_dst does: the
 * commit of the flow emits a set action only for fields that differ from the
 * packet's, under the mask, so the megaflow must pin the old value.  It
 * un-wildcards nw_proto too, because a datapath without masked set actions
 * gets the whole IPv4 or IPv6 key, protocol included, which must match. */
bool
daddr_on_dscp_xlate(const struct ofpact_set_daddr_on_dscp *a,
                    struct flow *flow, struct flow_wildcards *wc,
                    struct ds *trace)
{
    uint8_t dscp = (flow->nw_tos & IP_DSCP_MASK) >> 2;
    bool is_ipv4 = flow->dl_type == htons(ETH_TYPE_IP);

    WC_MASK_FIELD(wc, dl_type);
    if (!is_ipv4 && flow->dl_type != htons(ETH_TYPE_IPV6)) {
        if (trace) {
            ds_put_cstr(trace, "not IPv4 or IPv6: packet unchanged");
        }
        return false;
    }

    wc->masks.nw_tos |= IP_DSCP_MASK;
    uint64_t dscps = is_ipv4 ? a->ipv4_dscps : a->ipv6_dscps;

    if (!((dscps >> dscp) & 1)) {
        if (trace) {
            ds_put_format(trace, "no %s entry for DSCP %"PRIu8": packet "
                          "unchanged", is_ipv4 ? "IPv4" : "IPv6", dscp);
        }
        return false;
    }

    WC_MASK_FIELD(wc, nw_proto);
    if (is_ipv4) {
        WC_MASK_FIELD(wc, nw_dst);
        flow->nw_dst = a->ipv4[dscp];
    } else {
        WC_MASK_FIELD(wc, ipv6_dst);
        flow->ipv6_dst = a->ipv6[dscp];
    }
    if (trace) {
        ds_put_format(trace, "DSCP %"PRIu8": destination is now ", dscp);
        if (is_ipv4) {
            ds_put_format(trace, IP_FMT, IP_ARGS(flow->nw_dst));
        } else {
            ipv6_format_addr(&flow->ipv6_dst, trace);
        }
    }
    return true;
}

/* With datapath support, set_daddr_on_dscp becomes the datapath action, so
 * that one megaflow serves every DSCP: the megaflow must then not depend on
 * the DSCP.  That holds only if nothing later in the translation depends on
 * the destination, which after the action is a function of the DSCP.  In
 * Open vSwitch, whatever reads a field during translation un-wildcards it, so
 * daddr_on_dscp_xlate_dp() clears the destination's wildcard bits and
 * daddr_on_dscp_xlate_finish() looks whether any came back: if so, it
 * un-wildcards everything the ordinary translation would have, so that the
 * megaflow only matches packets that get the same destination. */

/* Returns true if 'flow' may use the datapath action: an IP flow, and no
 * other set_daddr_on_dscp datapath action earlier in the translation (a
 * second one takes the ordinary path, which keeps the bookkeeping to one). */
bool
daddr_on_dscp_xlate_dp_ok(const struct daddr_on_dscp_xlate_state *state,
                          const struct flow *flow)
{
    return !state->pending && is_ip_any(flow);
}

/* Updates 'flow' and 'base_flow' as if the datapath action just emitted had
 * executed on this packet, so that the rest of the translation sees its
 * destination but commits no set action for it. */
void
daddr_on_dscp_xlate_dp(struct daddr_on_dscp_xlate_state *state,
                       const struct ofpact_set_daddr_on_dscp *a,
                       struct flow *flow, struct flow *base_flow,
                       struct flow_wildcards *wc, struct ds *trace)
{
    struct flow_wildcards scratch;

    state->pending = true;
    state->ipv4 = flow->dl_type == htons(ETH_TYPE_IP);
    state->nw_dst_mask = wc->masks.nw_dst;
    state->ipv6_dst_mask = wc->masks.ipv6_dst;
    wc->masks.nw_dst = 0;
    memset(&wc->masks.ipv6_dst, 0, sizeof wc->masks.ipv6_dst);

    /* The rewrite for this packet, with wildcards that do not count. */
    flow_wildcards_init_catchall(&scratch);
    if (daddr_on_dscp_xlate(a, flow, &scratch, trace)) {
        base_flow->nw_dst = flow->nw_dst;
        base_flow->ipv6_dst = flow->ipv6_dst;
    }
    if (trace) {
        ds_put_cstr(trace, " (datapath action)");
    }
}

void
daddr_on_dscp_xlate_finish(struct daddr_on_dscp_xlate_state *state,
                           struct flow_wildcards *wc)
{
    if (!state->pending) {
        return;
    }
    bool read = wc->masks.nw_dst || !ipv6_mask_is_any(&wc->masks.ipv6_dst);

    wc->masks.nw_dst |= state->nw_dst_mask;
    l3dsr_ipv6_mask_or(&wc->masks.ipv6_dst, &state->ipv6_dst_mask);
    if (read) {
        wc->masks.nw_tos |= IP_DSCP_MASK;
        WC_MASK_FIELD(wc, nw_proto);
        if (state->ipv4) {
            WC_MASK_FIELD(wc, nw_dst);
        } else {
            WC_MASK_FIELD(wc, ipv6_dst);
        }
    }
    state->pending = false;
}
