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

#include "l3dsr-bridge.h"
#include "l3dsr-conf.h"
#include "l3dsr-flow.h"
#include "l3dsr-host.h"
#include "l3dsr-plan.h"
#include "l3dsr-state.h"
#include "l3dsr-view.h"
#include "util.h"

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
    bool need_arp = l3dsr_conf_has_host_ipv4(in->conf);

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

        if (l3dsr_vip_on_server(&conf->vips[i])) {
            /* The server's own business. */
            continue;
        } else if (l3dsr_addrs_contains(&after->aliases, addr)) {
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
        if (!l3dsr_conf_has_host_addr(conf, addr)
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
