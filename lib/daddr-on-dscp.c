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

#include "daddr-on-dscp.h"

#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "flow.h"
#include "l3dsr-number.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

/* The action keeps one table per address family, indexed by DSCP, so that a
 * lookup is a bit test and an array access.  Unused slots stay all-zeros:
 * ofpacts_equal() compares actions with memcmp(). */

static bool
has_ipv4(const struct ofpact_set_daddr_on_dscp *a, uint8_t dscp)
{
    return (a->ipv4_dscps >> dscp) & 1;
}

static bool
has_ipv6(const struct ofpact_set_daddr_on_dscp *a, uint8_t dscp)
{
    return (a->ipv6_dscps >> dscp) & 1;
}

/* Parses a DSCP with the number syntax of l3dsr_parse_number(). */
static bool
parse_dscp(const char *s, uint8_t *dscp)
{
    uint32_t value;

    if (!l3dsr_parse_number(s, DADDR_ON_DSCP_N - 1, &value)) {
        return false;
    }
    *dscp = value;
    return true;
}

/* Parses 'arg', the text between the parentheses of
 * "set_daddr_on_dscp(DSCP=ADDR[,DSCP=ADDR]...)", into 'a', which must be
 * all-zeros on entry.  Returns NULL if successful, otherwise a malloc()'d
 * string that describes the problem. */
char * OVS_WARN_UNUSED_RESULT
daddr_on_dscp_parse(char *arg, struct ofpact_set_daddr_on_dscp *a)
{
    char *key, *value;

    while (ofputil_parse_key_value(&arg, &key, &value)) {
        uint8_t dscp;
        ovs_be32 ip;
        struct in6_addr ip6;

        if (!*value) {
            return xasprintf("set_daddr_on_dscp: \"%s\": expected "
                             "DSCP=ADDRESS", key);
        }
        if (!parse_dscp(key, &dscp)) {
            return xasprintf("set_daddr_on_dscp: \"%s\": DSCP must be a "
                             "number between 0 and 63", key);
        }
        if (ip_parse(value, &ip)) {
            if (has_ipv4(a, dscp)) {
                return xasprintf("set_daddr_on_dscp: DSCP %"PRIu8" has more "
                                 "than one IPv4 address", dscp);
            }
            a->ipv4_dscps |= UINT64_C(1) << dscp;
            a->ipv4[dscp] = ip;
        } else if (ipv6_parse(value, &ip6)) {
            if (has_ipv6(a, dscp)) {
                return xasprintf("set_daddr_on_dscp: DSCP %"PRIu8" has more "
                                 "than one IPv6 address", dscp);
            }
            a->ipv6_dscps |= UINT64_C(1) << dscp;
            a->ipv6[dscp] = ip6;
        } else {
            return xasprintf("set_daddr_on_dscp: \"%s\": not an IPv4 or IPv6 "
                             "address", value);
        }
    }

    if (!a->ipv4_dscps && !a->ipv6_dscps) {
        return xstrdup("set_daddr_on_dscp: at least one DSCP=ADDRESS entry "
                       "is required");
    }
    return NULL;
}

/* Appends the canonical form of the map in 'a' to 's': IPv4 entries first,
 * then IPv6, each by ascending DSCP, without the surrounding parentheses. */
void
daddr_on_dscp_format(const struct ofpact_set_daddr_on_dscp *a,
                     struct ds *s)
{
    const char *sep = "";

    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv4(a, dscp)) {
            ds_put_format(s, "%s%d="IP_FMT, sep, dscp,
                          IP_ARGS(a->ipv4[dscp]));
            sep = ",";
        }
    }
    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv6(a, dscp)) {
            ds_put_format(s, "%s%d=", sep, dscp);
            ipv6_format_addr(&a->ipv6[dscp], s);
            sep = ",";
        }
    }
}

/* Decodes the entries that follow 'nad' into 'a', which must be all-zeros on
 * entry.  'nad->len' must already have been checked to cover the whole
 * action in the OpenFlow message, as ofp-actions does before calling any
 * decoder.  On error, 'a' may hold part of the map; the caller discards the
 * whole action list then. */
enum ofperr
daddr_on_dscp_decode(const struct nx_action_set_daddr_on_dscp *nad,
                     struct ofpact_set_daddr_on_dscp *a)
{
    const uint8_t *p = (const uint8_t *) (nad + 1);
    size_t left = ntohs(nad->len) - sizeof *nad;
    unsigned int n_entries = ntohs(nad->n_entries);

    if (!is_all_zeros(nad->pad, sizeof nad->pad)) {
        return OFPERR_NXBRC_MUST_BE_ZERO;
    }
    if (!n_entries) {
        return OFPERR_OFPBAC_BAD_ARGUMENT;
    }

    for (unsigned int i = 0; i < n_entries; i++) {
        if (!left) {
            return OFPERR_OFPBAC_BAD_LEN;
        }
        if (p[0] == NX_DADDR_ON_DSCP_IPV4) {
            const struct nx_daddr_on_dscp_ipv4 *e = (const void *) p;

            if (left < sizeof *e) {
                return OFPERR_OFPBAC_BAD_LEN;
            }
            if (!is_all_zeros(e->pad, sizeof e->pad)) {
                return OFPERR_NXBRC_MUST_BE_ZERO;
            }
            if (e->dscp >= DADDR_ON_DSCP_N || has_ipv4(a, e->dscp)) {
                return OFPERR_OFPBAC_BAD_ARGUMENT;
            }
            a->ipv4_dscps |= UINT64_C(1) << e->dscp;
            a->ipv4[e->dscp] = e->addr;
            p += sizeof *e;
            left -= sizeof *e;
        } else if (p[0] == NX_DADDR_ON_DSCP_IPV6) {
            const struct nx_daddr_on_dscp_ipv6 *e = (const void *) p;

            if (left < sizeof *e) {
                return OFPERR_OFPBAC_BAD_LEN;
            }
            if (!is_all_zeros(e->pad, sizeof e->pad)) {
                return OFPERR_NXBRC_MUST_BE_ZERO;
            }
            if (e->dscp >= DADDR_ON_DSCP_N || has_ipv6(a, e->dscp)) {
                return OFPERR_OFPBAC_BAD_ARGUMENT;
            }
            a->ipv6_dscps |= UINT64_C(1) << e->dscp;
            memcpy(&a->ipv6[e->dscp], e->addr, sizeof e->addr);
            p += sizeof *e;
            left -= sizeof *e;
        } else {
            return OFPERR_OFPBAC_BAD_ARGUMENT;
        }
    }

    /* Bytes beyond the last entry would be ignored by this decoder but might
     * mean something to the sender: refuse them. */
    return left ? OFPERR_OFPBAC_BAD_LEN : 0;
}

/* Appends the entries of 'a' to 'out', which must end with the fixed part of
 * the action as put_NXAST_SET_DADDR_ON_DSCP() leaves it, and sets the
 * action's 'len' and 'n_entries'. */
void
daddr_on_dscp_encode(const struct ofpact_set_daddr_on_dscp *a,
                     struct ofpbuf *out)
{
    size_t start_ofs = out->size - sizeof(struct nx_action_set_daddr_on_dscp);
    unsigned int n_entries = 0;

    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv4(a, dscp)) {
            struct nx_daddr_on_dscp_ipv4 *e = ofpbuf_put_zeros(out,
                                                               sizeof *e);
            e->family = NX_DADDR_ON_DSCP_IPV4;
            e->dscp = dscp;
            e->addr = a->ipv4[dscp];
            n_entries++;
        }
    }
    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv6(a, dscp)) {
            struct nx_daddr_on_dscp_ipv6 *e = ofpbuf_put_zeros(out,
                                                               sizeof *e);
            e->family = NX_DADDR_ON_DSCP_IPV6;
            e->dscp = dscp;
            memcpy(e->addr, &a->ipv6[dscp], sizeof e->addr);
            n_entries++;
        }
    }

    struct nx_action_set_daddr_on_dscp *nad;
    nad = ofpbuf_at_assert(out, start_ofs, sizeof *nad);
    nad->len = htons(out->size - start_ofs);
    nad->n_entries = htons(n_entries);
}

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
    if (is_ipv4 ? !has_ipv4(a, dscp) : !has_ipv6(a, dscp)) {
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
    for (int i = 0; i < 16; i++) {
        wc->masks.ipv6_dst.s6_addr[i] |= state->ipv6_dst_mask.s6_addr[i];
    }
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
