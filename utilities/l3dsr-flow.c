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

#include "l3dsr-flow.h"

#include <string.h>

#include "byte-order.h"
#include "daddr-on-dscp.h"
#include "flow.h"
#include "l3dsr-bridge.h"
#include "l3dsr-conf.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

/* The cookie of the flows of this run's configuration. */
static uint64_t owner_cookie = L3DSR_COOKIE;

/* Makes the flows with 'cookie' those that this run owns. */
void
l3dsr_flow_set_owner(uint64_t cookie)
{
    owner_cookie = cookie;
}

uint64_t
l3dsr_flow_get_owner(void)
{
    return owner_cookie;
}

/* Returns true if 'flow' belongs to the configuration of this run. */
bool
l3dsr_flow_is_owned(const struct l3dsr_flow *flow)
{
    return ntohll(flow->cookie) == owner_cookie;
}

/* Returns true if 'flow' belongs to ovs-l3dsr, for any configuration. */
bool
l3dsr_flow_is_l3dsr(const struct l3dsr_flow *flow)
{
    return (ntohll(flow->cookie) & L3DSR_COOKIE_MASK) == L3DSR_COOKIE;
}

struct l3dsr_flow *
l3dsr_flow_clone(const struct l3dsr_flow *flow)
{
    struct l3dsr_flow *clone = xmemdup(flow, sizeof *flow);
    clone->ofpacts = xmemdup(flow->ofpacts, flow->ofpacts_len);
    return clone;
}

void
l3dsr_flow_destroy(struct l3dsr_flow *flow)
{
    if (flow) {
        free(flow->ofpacts);
        free(flow);
    }
}

void
l3dsr_flows_destroy(struct l3dsr_flow **flows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        l3dsr_flow_destroy(flows[i]);
    }
    free(flows);
}

/* Returns true if 'a' and 'b' are the same OpenFlow rule, i.e. an OFPFC_ADD
 * of one replaces the other. */
bool
l3dsr_flow_same_rule(const struct l3dsr_flow *a, const struct l3dsr_flow *b)
{
    return (a->table_id == b->table_id
            && a->priority == b->priority
            && match_equal(&a->match, &b->match));
}

/* Returns true if 'a' and 'b' are the same rule with the same cookie and
 * actions. */
bool
l3dsr_flow_equal(const struct l3dsr_flow *a, const struct l3dsr_flow *b)
{
    return (l3dsr_flow_same_rule(a, b)
            && a->cookie == b->cookie
            && ofpacts_equal(a->ofpacts, a->ofpacts_len,
                             b->ofpacts, b->ofpacts_len));
}

/* Returns the first set_daddr_on_dscp action of 'flow', or NULL. */
const struct ofpact_set_daddr_on_dscp *
l3dsr_flow_get_map(const struct l3dsr_flow *flow)
{
    const struct ofpact *a;

    OFPACT_FOR_EACH_FLATTENED (a, flow->ofpacts, flow->ofpacts_len) {
        if (a->type == OFPACT_SET_DADDR_ON_DSCP) {
            return ofpact_get_SET_DADDR_ON_DSCP(a);
        }
    }
    return NULL;
}

/* Returns the server whose packets 'flow' takes: the destination that it
 * matches exactly, IPv4 as IPv4-mapped, or all-zeros for a flow of this
 * host's VIPs, which takes every destination (the 'server' of new_flow()). */
struct in6_addr
l3dsr_flow_server(const struct l3dsr_flow *flow)
{
    const struct flow_wildcards *wc = &flow->match.wc;
    const struct flow *f = &flow->match.flow;
    struct in6_addr server = in6addr_any;

    if (wc->masks.dl_type && f->dl_type == htons(ETH_TYPE_IP)
        && wc->masks.nw_dst == OVS_BE32_MAX) {
        in6_addr_set_mapped_ipv4(&server, f->nw_dst);
    } else if (wc->masks.dl_type && f->dl_type == htons(ETH_TYPE_IPV6)
               && ipv6_mask_is_exact(&wc->masks.ipv6_dst)) {
        server = f->ipv6_dst;
    }
    return server;
}

/* Returns a new flow of ovs-l3dsr in table 0 at 'priority' that matches
 * the EtherType of family 'ipv4', unless it is OFPP_NONE 'in_port', and
 * unless it is all-zeros 'server' as the destination, with the actions in
 * 'ofpacts' (which it steals). */
static struct l3dsr_flow *
new_flow(bool ipv4, ofp_port_t in_port, const struct in6_addr *server,
         int priority, struct ofpbuf *ofpacts)
{
    struct l3dsr_flow *flow = xzalloc(sizeof *flow);

    flow->priority = priority;
    flow->cookie = htonll(l3dsr_flow_get_owner());
    match_init_catchall(&flow->match);
    match_set_dl_type(&flow->match, htons(ipv4 ? ETH_TYPE_IP : ETH_TYPE_IPV6));
    if (in_port != OFPP_NONE) {
        match_set_in_port(&flow->match, in_port);
    }
    if (IN6_IS_ADDR_UNSPECIFIED(server)) {
        /* This host's VIPs: every destination. */
    } else if (ipv4) {
        match_set_nw_dst(&flow->match, in6_addr_get_mapped_ipv4(server));
    } else {
        match_set_ipv6_dst(&flow->match, server);
    }
    match_set_default_packet_type(&flow->match); /* As the switch says. */
    flow->ofpacts_len = ofpacts->size;
    flow->ofpacts = ofpbuf_steal_data(ofpacts);
    flow->n_packets = flow->n_bytes = UINT64_MAX;
    return flow;
}

/* Appends to 'flows' the flows for the L3DSR entries of one family ('ipv4'
 * or not) of 'conf' that belong to 'server' (all-zeros for this host's
 * own, whose flows take every destination; otherwise the flows match the
 * server's address), if it has any: one flow per DSCP at 'priority', which
 * matches that DSCP and maps it to its VIP, so that each VIP has counters of
 * its own, and one flow one priority lower without the DSCP and without
 * set_daddr_on_dscp, for the packets of the family whose DSCP has no entry.
 * Those went through the one flow with the whole map unchanged, to 'then',
 * and still do.  'then' holds the actions that follow. */
static void
build_family_flows(const struct l3dsr_conf *conf, bool ipv4,
                   const struct in6_addr *server,
                   ofp_port_t in_port, int priority,
                   const struct ofpbuf *then,
                   struct l3dsr_flow **flows, size_t *n_flows)
{
    const struct l3dsr_vip *by_dscp[DADDR_ON_DSCP_N] = { NULL };
    bool any = false;

    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        if (l3dsr_vip_is_l3(vip) && l3dsr_vip_is_ipv4(vip) == ipv4
            && ipv6_addr_equals(&vip->server, server)) {
            by_dscp[vip->dscp] = vip;
            any = true;
        }
    }
    if (!any) {
        return;
    }

    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        const struct l3dsr_vip *vip = by_dscp[dscp];
        struct ofpact_set_daddr_on_dscp *map;
        struct ofpbuf ofpacts;

        if (!vip) {
            continue;
        }
        ofpbuf_init(&ofpacts, 0);
        map = ofpact_put_SET_DADDR_ON_DSCP(&ofpacts);
        if (ipv4) {
            map->ipv4_dscps = UINT64_C(1) << dscp;
            map->ipv4[dscp] = in6_addr_get_mapped_ipv4(&vip->addr);
        } else {
            map->ipv6_dscps = UINT64_C(1) << dscp;
            map->ipv6[dscp] = vip->addr;
        }
        ofpbuf_put(&ofpacts, then->data, then->size);

        struct l3dsr_flow *flow = new_flow(ipv4, in_port, server, priority,
                                           &ofpacts);
        match_set_nw_dscp(&flow->match, dscp << 2);
        flows[(*n_flows)++] = flow;
    }

    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 0);
    ofpbuf_put(&ofpacts, then->data, then->size);
    flows[(*n_flows)++] = new_flow(ipv4, in_port, server, priority - 1,
                                   &ofpacts);
}

/* Returns true if a packet can match both 'a' and 'b'. */
static bool
matches_overlap(const struct match *a, const struct match *b)
{
    const uint64_t *af = (const uint64_t *) &a->flow;
    const uint64_t *bf = (const uint64_t *) &b->flow;
    const uint64_t *am = (const uint64_t *) &a->wc.masks;
    const uint64_t *bm = (const uint64_t *) &b->wc.masks;

    for (size_t i = 0; i < FLOW_U64S; i++) {
        if ((af[i] ^ bf[i]) & am[i] & bm[i]) {
            return false;
        }
    }
    return true;
}

/* Returns an error message if a flow of 'br' that ovs-l3dsr does not own
 * would compete with 'flow': the same rule, or, for a flow without a
 * set_daddr_on_dscp map (for the DSCPs without an entry), any flow of its
 * priority that a packet can match as well, because the switch picks one
 * of two such flows at will and the one flow with the whole map, one
 * priority higher, won. */
static char *
check_competition(const struct l3dsr_bridge *br,
                  const struct l3dsr_flow *flow)
{
    bool fallback = !l3dsr_flow_get_map(flow);

    for (size_t i = 0; i < br->n_flows; i++) {
        const struct l3dsr_flow *old = br->flows[i];
        if (l3dsr_flow_is_owned(old)) {
            continue;
        } else if (l3dsr_flow_is_l3dsr(old)
                   && l3dsr_flow_same_rule(old, flow)) {
            /* Another configuration's: replacing it would take its VIPs
             * down. */
            struct ds s = DS_EMPTY_INITIALIZER;
            char *error;

            l3dsr_bridge_format_flow(br, old, &s);
            error = xasprintf("%s: the flow with the same match and "
                              "priority (%s) belongs to another ovs-l3dsr "
                              "configuration, the one whose state file says "
                              "\"cookie 0x%016"PRIx64"\": choose another "
                              "--priority or --in-port", br->name,
                              ds_cstr(&s), ntohll(old->cookie));
            ds_destroy(&s);
            return error;
        } else if (l3dsr_flow_same_rule(old, flow)
                   || (fallback
                       && old->table_id == flow->table_id
                       && old->priority == flow->priority
                       && matches_overlap(&old->match, &flow->match))) {
            struct ds s = DS_EMPTY_INITIALIZER;
            char *error;

            l3dsr_bridge_format_flow(br, old, &s);
            error = xasprintf("%s: a flow that ovs-l3dsr does not own has "
                              "%s and priority %d (%s): choose another "
                              "--priority", br->name,
                              (l3dsr_flow_same_rule(old, flow)
                               ? "the same match" : "an overlapping match"),
                              flow->priority, ds_cstr(&s));
            ds_destroy(&s);
            return error;
        }
    }
    return NULL;
}

/* Builds in 'out' (whose array the caller frees with l3dsr_flows_destroy(),
 * also after an error) the flows that 'conf' needs on bridge 'br': for
 * this host's VIPs and for each server's, for each family, IPv4 and IPv6,
 * one flow per DSCP and one for the other DSCPs (see build_family_flows()),
 * each matching only its EtherType, so that other traffic (ARP, LLDP...)
 * keeps the bridge's other flows.  Returns NULL if successful, otherwise a
 * malloc()'d error message. */
char *
l3dsr_build_flows(const struct l3dsr_conf *conf, struct l3dsr_bridge *br,
                  const struct l3dsr_flow_options *options,
                  struct l3dsr_flows *out)
{
    ofp_port_t in_port = OFPP_NONE;
    enum ofputil_protocol usable;
    struct l3dsr_flow **flows;
    struct ofpbuf then;
    char *error;

    size_t *n_flows = &out->n;

    out->flows = NULL;
    out->n = 0;
    if (!br) {
        return NULL;
    }
    if (options->in_port
        && !ofputil_port_from_string(options->in_port, &br->port_map,
                                     &in_port)) {
        return xasprintf("%s: no port %s", br->name, options->in_port);
    }
    if (!options->priority && l3dsr_conf_has_l3(conf)) {
        return xstrdup("--priority=0 leaves no priority below for the "
                       "packets whose DSCP has no entry: use 1 or more");
    }

    ofpbuf_init(&then, 0);
    struct ofpact_parse_params pp = {
        .port_map = &br->port_map,
        .ofpacts = &then,
        .usable_protocols = &usable,
    };
    error = ofpacts_parse_actions(options->then, &pp);
    if (error) {
        char *msg = xasprintf("--then=%s: %s", options->then, error);
        free(error);
        ofpbuf_uninit(&then);
        return msg;
    }

    /* At most a flow per entry, and a fallback flow per family of this
     * host and per server (one family each). */
    flows = out->flows = xmalloc((2 * conf->n_vips + 2) * sizeof *flows);
    for (int ipv4 = 1; ipv4 >= 0; ipv4--) {
        build_family_flows(conf, ipv4, &in6addr_any, in_port,
                           options->priority, &then, flows, n_flows);
    }
    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        bool first = l3dsr_vip_on_server(vip);

        for (size_t j = 0; first && j < i; j++) {
            first = !ipv6_addr_equals(&conf->vips[j].server, &vip->server);
        }
        if (first) {
            build_family_flows(conf, l3dsr_vip_is_ipv4(vip), &vip->server,
                               in_port, options->priority, &then, flows,
                               n_flows);
        }
    }
    ofpbuf_uninit(&then);

    for (size_t i = 0; !error && i < *n_flows; i++) {
        error = l3dsr_bridge_check_flow(br, flows[i]);
        if (!error) {
            error = check_competition(br, flows[i]);
        }
    }
    return error;
}
