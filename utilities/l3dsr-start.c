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

#include "l3dsr-start.h"

#include <string.h>

#include "byte-order.h"
#include "daddr-on-dscp.h"
#include "flow.h"
#include "l3dsr-conf.h"
#include "l3dsr-flow.h"
#include "l3dsr-host.h"
#include "l3dsr-plan.h"
#include "l3dsr-state.h"
#include "l3dsr-view.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

/* Returns a new flow of ovs-l3dsr in table 0 at 'priority' that matches
 * the EtherType of family 'ipv4' and, unless it is OFPP_NONE, 'in_port',
 * with the actions in 'ofpacts' (which it steals). */
static struct l3dsr_flow *
new_flow(bool ipv4, ofp_port_t in_port, int priority, struct ofpbuf *ofpacts)
{
    struct l3dsr_flow *flow = xzalloc(sizeof *flow);

    flow->priority = priority;
    flow->cookie = htonll(l3dsr_flow_get_owner());
    match_init_catchall(&flow->match);
    match_set_dl_type(&flow->match, htons(ipv4 ? ETH_TYPE_IP : ETH_TYPE_IPV6));
    if (in_port != OFPP_NONE) {
        match_set_in_port(&flow->match, in_port);
    }
    match_set_default_packet_type(&flow->match); /* As the switch says. */
    flow->ofpacts_len = ofpacts->size;
    flow->ofpacts = ofpbuf_steal_data(ofpacts);
    flow->n_packets = flow->n_bytes = UINT64_MAX;
    return flow;
}

/* Appends to 'flows' the flows for the L3DSR entries of one family ('ipv4'
 * or not) of 'conf', if it has any: one flow per DSCP at 'priority', which
 * matches that DSCP and maps it to its VIP, so that each VIP has counters of
 * its own, and one flow one priority lower without the DSCP and without
 * set_daddr_on_dscp, for the packets of the family whose DSCP has no entry.
 * Those went through the one flow with the whole map unchanged, to 'then',
 * and still do.  'then' holds the actions that follow. */
static void
build_family_flows(const struct l3dsr_conf *conf, bool ipv4,
                   ofp_port_t in_port, int priority,
                   const struct ofpbuf *then,
                   struct l3dsr_flow **flows, size_t *n_flows)
{
    const struct l3dsr_vip *by_dscp[DADDR_ON_DSCP_N] = { NULL };
    bool any = false;

    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        if (l3dsr_vip_is_l3(vip) && l3dsr_vip_is_ipv4(vip) == ipv4) {
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

        struct l3dsr_flow *flow = new_flow(ipv4, in_port, priority, &ofpacts);
        match_set_nw_dscp(&flow->match, dscp << 2);
        flows[(*n_flows)++] = flow;
    }

    struct ofpbuf ofpacts;
    ofpbuf_init(&ofpacts, 0);
    ofpbuf_put(&ofpacts, then->data, then->size);
    flows[(*n_flows)++] = new_flow(ipv4, in_port, priority - 1, &ofpacts);
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

/* Builds in 'flows' the flows that 'conf' needs on bridge 'br', at most
 * L3DSR_MAX_FLOWS: for each family, IPv4 and IPv6, one flow per DSCP and one
 * for the other DSCPs (see build_family_flows()), each matching only its
 * EtherType, so that other traffic (ARP, LLDP...) keeps the bridge's other
 * flows.  Returns NULL if successful, otherwise a malloc()'d error
 * message. */
char *
l3dsr_build_flows(const struct l3dsr_conf *conf, struct l3dsr_bridge *br,
                  const struct l3dsr_flow_options *options,
                  struct l3dsr_flow *flows[L3DSR_MAX_FLOWS], size_t *n_flows)
{
    ofp_port_t in_port = OFPP_NONE;
    enum ofputil_protocol usable;
    struct ofpbuf then;
    char *error;

    *n_flows = 0;
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

    for (int ipv4 = 1; ipv4 >= 0; ipv4--) {
        build_family_flows(conf, ipv4, in_port, options->priority, &then,
                           flows, n_flows);
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

/* Plans to restore the sysctl that 'rec' says ovs-l3dsr changed, unless it
 * was changed again since. */
static void
plan_restore_sysctl(struct l3dsr_view *view, const struct l3dsr_sysctl *rec,
                    struct l3dsr_plan *plan)
{
    int value;
    char *error = l3dsr_view_get_sysctl(view, rec->name, &value);

    if (error) {
        l3dsr_warn("%s: not restored", error);
        free(error);
    } else if (value != rec->new_value) {
        l3dsr_warn("%s is %d, not the %d that ovs-l3dsr set: left alone",
                   rec->name, value, rec->new_value);
    } else if (value != rec->old_value) {
        l3dsr_plan_set_sysctl(plan, rec->name, value, rec->old_value);
    }
}

static void
keep_unreachable(const struct l3dsr_plan_input *in,
                 const struct l3dsr_state *before, struct l3dsr_state *after)
{
    /* Bridges that could not be reached may still hold flows. */
    for (size_t i = 0; i < in->unreachable->n; i++) {
        const char *name = in->unreachable->names[i];
        l3dsr_state_add_bridge(after, name,
                               l3dsr_state_get_dpid(before, name));
    }
}

/* Plans into 'plan' what "stop" does, given 'before', what ovs-l3dsr owns:
 * delete its flows, remove its aliases, restore the sysctls it changed.
 * Stores in 'after' what ovs-l3dsr still owns afterward. */
void
l3dsr_plan_stop(const struct l3dsr_plan_input *in,
                const struct l3dsr_state *before,
                struct l3dsr_plan *plan, struct l3dsr_state *after)
{
    struct l3dsr_view *view = in->view;

    for (size_t i = 0; i < view->n_bridges; i++) {
        struct l3dsr_bridge *br = view->bridges[i];
        for (size_t j = 0; j < br->n_flows; j++) {
            if (l3dsr_flow_is_owned(br->flows[j])) {
                l3dsr_plan_flow(plan, L3DSR_DEL_FLOW, br, br->flows[j],
                                NULL);
            }
        }
    }
    for (size_t i = 0; i < before->aliases.n; i++) {
        const struct in6_addr *addr = &before->aliases.addrs[i];
        if (l3dsr_addrs_contains(&view->lo, addr)) {
            l3dsr_plan_alias(plan, L3DSR_DEL_ALIAS, addr);
        }
    }
    for (size_t i = 0; i < before->n_sysctls; i++) {
        plan_restore_sysctl(view, &before->sysctls[i], plan);
    }
    keep_unreachable(in, before, after);
}

/* Plans the sysctls for "start". */
static char *
plan_start_sysctls(const struct l3dsr_plan_input *in,
                   const struct l3dsr_state *before,
                   struct l3dsr_plan *plan, struct l3dsr_plan *late,
                   struct l3dsr_state *after)
{
    bool need_arp = l3dsr_conf_has_ipv4(in->conf);

    for (size_t k = 0; k < L3DSR_N_ARP_SYSCTLS; k++) {
        /* Restorations go to 'late', whose order is reversed later: add them
         * backward, so that they come in the same order as in "stop". */
        size_t i = need_arp ? k : L3DSR_N_ARP_SYSCTLS - 1 - k;
        const char *name = l3dsr_arp_sysctls[i].name;
        int wanted = l3dsr_arp_sysctls[i].value;
        const struct l3dsr_sysctl *rec;
        char *error;
        int value;

        rec = l3dsr_state_find_sysctl(before, name);
        if (!need_arp) {
            /* ARP is IPv4 only. */
            if (rec) {
                plan_restore_sysctl(in->view, rec, late);
            }
            continue;
        }
        error = l3dsr_view_get_sysctl(in->view, name, &value);
        if (error) {
            return error;
        }
        if (value != wanted) {
            l3dsr_plan_set_sysctl(plan, name, value, wanted);
        }
        if (rec) {
            l3dsr_state_set_sysctl(after, name, rec->old_value, wanted);
        } else if (value != wanted) {
            l3dsr_state_set_sysctl(after, name, value, wanted);
        }
    }
    return NULL;
}

/* Plans the aliases for "start".  An address already on "lo" that
 * ovs-l3dsr did not add stays someone else's. */
static void
plan_start_aliases(const struct l3dsr_plan_input *in,
                   const struct l3dsr_state *before,
                   struct l3dsr_plan *plan, struct l3dsr_plan *late,
                   struct l3dsr_state *after)
{
    const struct l3dsr_conf *conf = in->conf;
    const struct l3dsr_addrs *lo = &in->view->lo;

    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct in6_addr *addr = &conf->vips[i].addr;

        if (l3dsr_addrs_contains(&after->aliases, addr)) {
            continue;
        } else if (!l3dsr_addrs_contains(lo, addr)) {
            l3dsr_plan_alias(plan, L3DSR_ADD_ALIAS, addr);
            l3dsr_addrs_add(&after->aliases, addr);
        } else if (l3dsr_addrs_contains(&before->aliases, addr)) {
            l3dsr_addrs_add(&after->aliases, addr);
        }
    }
    for (size_t i = 0; i < before->aliases.n; i++) {
        const struct in6_addr *addr = &before->aliases.addrs[i];
        if (!l3dsr_conf_has_addr(conf, addr)
            && l3dsr_addrs_contains(lo, addr)) {
            l3dsr_plan_alias(late, L3DSR_DEL_ALIAS, addr);
        }
    }
}

/* Plans the flows for "start": the target bridge gets exactly 'flows';
 * every other flow that ovs-l3dsr owns, there or on a bridge that it used
 * before, goes. */
static void
plan_start_flows(const struct l3dsr_plan_input *in,
                 struct l3dsr_flow **flows, size_t n_flows,
                 struct l3dsr_plan *plan, struct l3dsr_plan *late,
                 struct l3dsr_state *after)
{
    struct l3dsr_view *view = in->view;

    for (size_t i = 0; i < n_flows; i++) {
        struct l3dsr_bridge *br = in->target;
        const struct l3dsr_flow *old = NULL;

        for (size_t j = 0; j < br->n_flows; j++) {
            if (l3dsr_flow_is_owned(br->flows[j])
                && l3dsr_flow_same_rule(br->flows[j], flows[i])) {
                old = br->flows[j];
            }
        }
        if (!old || !l3dsr_flow_equal(old, flows[i])) {
            l3dsr_plan_flow(plan, L3DSR_ADD_FLOW, br, flows[i], old);
        }
    }
    for (size_t i = 0; i < view->n_bridges; i++) {
        struct l3dsr_bridge *br = view->bridges[i];
        for (size_t j = 0; j < br->n_flows; j++) {
            const struct l3dsr_flow *old = br->flows[j];
            bool wanted = false;

            for (size_t k = 0; br == in->target && k < n_flows; k++) {
                wanted = wanted || l3dsr_flow_same_rule(old, flows[k]);
            }
            if (l3dsr_flow_is_owned(old) && !wanted) {
                l3dsr_plan_flow(late, L3DSR_DEL_FLOW, br, old, NULL);
            }
        }
    }
    if (n_flows) {
        l3dsr_state_add_bridge(after, in->target->name, in->target->dpid);
    }
}

/* Plans into 'plan' what "start" does, given 'before', what ovs-l3dsr owns
 * now, and 'flows', the flows that the target bridge needs.  Stores in
 * 'after' what ovs-l3dsr owns afterward.  Returns NULL if successful,
 * otherwise a malloc()'d error message.
 *
 * Additions go first, in the order that keeps the host safe: the ARP
 * sysctls before a VIP appears on "lo", the aliases before the flows send
 * traffic to them.  Removals (of what an earlier configuration needed) come
 * last, in the reverse order. */
char *
l3dsr_plan_start(const struct l3dsr_plan_input *in,
                 const struct l3dsr_state *before,
                 struct l3dsr_flow **flows, size_t n_flows,
                 struct l3dsr_plan *plan, struct l3dsr_state *after)
{
    struct l3dsr_plan late;
    char *error;

    l3dsr_plan_init(&late);
    error = plan_start_sysctls(in, before, plan, &late, after);
    if (!error) {
        plan_start_aliases(in, before, plan, &late, after);
        plan_start_flows(in, flows, n_flows, plan, &late, after);
        keep_unreachable(in, before, after);
        for (size_t i = late.n; i-- > 0;) {
            struct l3dsr_plan one = { .changes = &late.changes[i], .n = 1 };
            l3dsr_plan_append(plan, &one);
        }
    }
    l3dsr_plan_destroy(&late);
    return error;
}
