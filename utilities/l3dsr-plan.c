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

#include "l3dsr-plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "l3dsr-bridge.h"
#include "l3dsr-flow.h"
#include "l3dsr-host.h"
#include "l3dsr-view.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Prints a warning on stderr. */
void
l3dsr_warn(const char *format, ...)
{
    va_list args;

    fflush(stdout);
    fprintf(stderr, "%s: warning: ", program_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    putc('\n', stderr);
}

void
l3dsr_plan_init(struct l3dsr_plan *plan)
{
    memset(plan, 0, sizeof *plan);
}

void
l3dsr_plan_destroy(struct l3dsr_plan *plan)
{
    if (plan) {
        for (size_t i = 0; i < plan->n; i++) {
            struct l3dsr_change *c = &plan->changes[i];
            free(c->sysctl);
            l3dsr_flow_destroy(c->flow);
            l3dsr_flow_destroy(c->old_flow);
        }
        free(plan->changes);
    }
}

static struct l3dsr_change *
plan_add(struct l3dsr_plan *plan, enum l3dsr_change_type type)
{
    if (plan->n >= plan->allocated) {
        plan->changes = x2nrealloc(plan->changes, &plan->allocated,
                                   sizeof *plan->changes);
    }
    struct l3dsr_change *c = &plan->changes[plan->n++];
    memset(c, 0, sizeof *c);
    c->type = type;
    return c;
}

static struct l3dsr_flow *
flow_clone_nullable(const struct l3dsr_flow *flow)
{
    return flow ? l3dsr_flow_clone(flow) : NULL;
}

static void
change_copy(struct l3dsr_plan *plan, const struct l3dsr_change *src)
{
    struct l3dsr_change *c = plan_add(plan, src->type);

    *c = *src;
    c->sysctl = nullable_xstrdup(src->sysctl);
    c->flow = flow_clone_nullable(src->flow);
    c->old_flow = flow_clone_nullable(src->old_flow);
}

/* Appends copies of the changes in 'src' to 'plan'. */
void
l3dsr_plan_append(struct l3dsr_plan *plan, const struct l3dsr_plan *src)
{
    for (size_t i = 0; i < src->n; i++) {
        change_copy(plan, &src->changes[i]);
    }
}

void
l3dsr_plan_set_sysctl(struct l3dsr_plan *plan, const char *name,
                      int old_value, int value)
{
    struct l3dsr_change *c = plan_add(plan, L3DSR_SET_SYSCTL);

    c->sysctl = xstrdup(name);
    c->old_value = old_value;
    c->value = value;
}

void
l3dsr_plan_alias(struct l3dsr_plan *plan, enum l3dsr_change_type type,
                 const struct in6_addr *addr)
{
    ovs_assert(type == L3DSR_ADD_ALIAS || type == L3DSR_DEL_ALIAS);
    plan_add(plan, type)->addr = *addr;
}

void
l3dsr_plan_flow(struct l3dsr_plan *plan, enum l3dsr_change_type type,
                struct l3dsr_bridge *br, const struct l3dsr_flow *flow,
                const struct l3dsr_flow *old_flow)
{
    ovs_assert(type == L3DSR_ADD_FLOW || type == L3DSR_DEL_FLOW);
    struct l3dsr_change *c = plan_add(plan, type);

    c->br = br;
    c->flow = l3dsr_flow_clone(flow);
    c->old_flow = flow_clone_nullable(old_flow);
}

/* Returns the index in 'br->flows' of the flow of the same rule as 'flow',
 * or SIZE_MAX. */
static size_t
find_rule(const struct l3dsr_bridge *br, const struct l3dsr_flow *flow)
{
    for (size_t i = 0; i < br->n_flows; i++) {
        if (l3dsr_flow_same_rule(br->flows[i], flow)) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* Changes 'view' as if the changes of 'plan' had been made. */
void
l3dsr_plan_simulate(const struct l3dsr_plan *plan, struct l3dsr_view *view)
{
    for (size_t i = 0; i < plan->n; i++) {
        const struct l3dsr_change *c = &plan->changes[i];
        struct l3dsr_bridge *br = c->br;
        size_t idx;

        switch (c->type) {
        case L3DSR_SET_SYSCTL:
            l3dsr_view_update_sysctl(view, c->sysctl, c->value);
            break;

        case L3DSR_ADD_ALIAS:
            l3dsr_addrs_add(&view->lo, &c->addr);
            break;

        case L3DSR_DEL_ALIAS:
            l3dsr_addrs_remove(&view->lo, &c->addr);
            break;

        case L3DSR_ADD_FLOW:
            idx = find_rule(br, c->flow);
            if (idx == SIZE_MAX) {
                br->flows = xrealloc(br->flows,
                                     (br->n_flows + 1) * sizeof *br->flows);
                idx = br->n_flows++;
            } else {
                l3dsr_flow_destroy(br->flows[idx]);
            }
            br->flows[idx] = l3dsr_flow_clone(c->flow);
            break;

        case L3DSR_DEL_FLOW:
            idx = find_rule(br, c->flow);
            if (idx != SIZE_MAX && br->flows[idx]->cookie == c->flow->cookie) {
                l3dsr_flow_destroy(br->flows[idx]);
                br->flows[idx] = br->flows[--br->n_flows];
            }
            break;
        }
    }
}

/* Appends a description of 'c' to 's', as an order: "add ... to lo". */
void
l3dsr_change_format(const struct l3dsr_change *c, struct ds *s)
{
    switch (c->type) {
    case L3DSR_SET_SYSCTL:
        ds_put_format(s, "set %s=%d (was %d)", c->sysctl, c->value,
                      c->old_value);
        break;

    case L3DSR_ADD_ALIAS:
        ds_put_cstr(s, "add ");
        l3dsr_format_alias(&c->addr, s);
        ds_put_cstr(s, " to lo");
        break;

    case L3DSR_DEL_ALIAS:
        ds_put_cstr(s, "remove ");
        l3dsr_format_alias(&c->addr, s);
        ds_put_cstr(s, " from lo");
        break;

    case L3DSR_ADD_FLOW:
        ds_put_format(s, "%s flow %s %s: ",
                      c->old_flow ? "replace" : "add",
                      c->old_flow ? "on" : "to", c->br->name);
        l3dsr_bridge_format_flow(c->br, c->flow, s);
        break;

    case L3DSR_DEL_FLOW:
        ds_put_format(s, "delete flow from %s: ", c->br->name);
        l3dsr_bridge_format_flow(c->br, c->flow, s);
        break;
    }
}

/* Makes change 'c'.  Returns NULL if successful, otherwise a malloc()'d
 * error message. */
char *
l3dsr_change_apply(const struct l3dsr_change *c)
{
    int error = 0;

    switch (c->type) {
    case L3DSR_SET_SYSCTL:
        error = l3dsr_sysctl_set(c->sysctl, c->value);
        break;

    case L3DSR_ADD_ALIAS:
        error = l3dsr_lo_add(&c->addr);
        break;

    case L3DSR_DEL_ALIAS:
        /* Gone already is as good as removed. */
        error = l3dsr_lo_del(&c->addr);
        if (error == EADDRNOTAVAIL || error == ENOENT) {
            error = 0;
        }
        break;

    case L3DSR_ADD_FLOW:
        return l3dsr_bridge_add_flow(c->br, c->flow);

    case L3DSR_DEL_FLOW:
        return l3dsr_bridge_del_flow(c->br, c->flow);
    }
    return error ? xstrdup(ovs_strerror(error)) : NULL;
}

/* Stores in 'inv' the change that undoes 'c'.  'inv' borrows the strings
 * and flows of 'c'. */
static void
change_invert(const struct l3dsr_change *c, struct l3dsr_change *inv)
{
    *inv = *c;
    switch (c->type) {
    case L3DSR_SET_SYSCTL:
        inv->old_value = c->value;
        inv->value = c->old_value;
        break;

    case L3DSR_ADD_ALIAS:
        inv->type = L3DSR_DEL_ALIAS;
        break;

    case L3DSR_DEL_ALIAS:
        inv->type = L3DSR_ADD_ALIAS;
        break;

    case L3DSR_ADD_FLOW:
        if (c->old_flow) {
            inv->flow = c->old_flow;
            inv->old_flow = c->flow;
        } else {
            inv->type = L3DSR_DEL_FLOW;
        }
        break;

    case L3DSR_DEL_FLOW:
        inv->type = L3DSR_ADD_FLOW;
        inv->old_flow = NULL;
        break;
    }
}

static bool
is_flow_change(const struct l3dsr_change *c)
{
    return c->type == L3DSR_ADD_FLOW || c->type == L3DSR_DEL_FLOW;
}

/* Returns the end of the step of 'plan' that starts at change 'i'.  The
 * changes of flows that follow each other on one bridge make one step, that
 * goes to the switch as one atomic bundle; any other change is a step of its
 * own. */
static size_t
step_end(const struct l3dsr_plan *plan, size_t i)
{
    const struct l3dsr_change *c = &plan->changes[i];
    size_t j = i + 1;

    if (is_flow_change(c)) {
        while (j < plan->n && is_flow_change(&plan->changes[j])
               && plan->changes[j].br == c->br) {
            j++;
        }
    }
    return j;
}

/* How long to wait, after a bundle changed the flows, before removing an
 * address from "lo", in milliseconds.
 *
 * The reply to the bundle commit says that the OpenFlow tables changed, but
 * ovs-vswitchd's datapath may still hold flows that cache the old actions,
 * and so still rewrite packets to the address, until its revalidator threads
 * have gone over them.  A commit wakes them at once and a round takes a few
 * milliseconds for the datapath flows of a server, but nothing in OpenFlow
 * tells when it is over (an OpenFlow barrier only orders OpenFlow messages,
 * and the datapath flows, or "ovs-appctl revalidator/wait", are out of reach
 * of a remote controller).  So wait this long, which covers a revalidation
 * round with a wide margin and the packets already in flight, and is paid
 * only when an address leaves "lo" after its flows changed. */
#define REVALIDATE_MSEC 200

/* Makes the 'n' changes 'cs', one step: a single change, or changes of
 * flows of one bridge, as one bundle.  Returns NULL if successful, otherwise
 * a malloc()'d error message, and then nothing changed. */
static char *
step_apply(const struct l3dsr_change *const *cs, size_t n)
{
    if (!is_flow_change(cs[0])) {
        ovs_assert(n == 1);
        return l3dsr_change_apply(cs[0]);
    }

    const struct l3dsr_flow **flows = xmalloc(n * sizeof *flows);
    bool *add = xmalloc(n * sizeof *add);
    for (size_t i = 0; i < n; i++) {
        flows[i] = cs[i]->flow;
        add[i] = cs[i]->type == L3DSR_ADD_FLOW;
    }
    char *error = l3dsr_bridge_change_flows(cs[0]->br, flows, add, n);
    free(flows);
    free(add);
    return error;
}

/* Tracks, along one run of steps, whether an address may now leave "lo". */
struct step_waiter {
    bool flows_changed;         /* A bundle changed flows since the wait. */
};

static void
step_wait(struct step_waiter *w, const struct l3dsr_change *next)
{
    if (is_flow_change(next)) {
        w->flows_changed = true;
    } else if (next->type == L3DSR_DEL_ALIAS && w->flows_changed) {
        xnanosleep(REVALIDATE_MSEC * 1000 * 1000);
        w->flows_changed = false;
    }
}

/* Undoes the first 'n' changes of 'plan', last first, step by step.
 * Returns true if all of them were undone. */
static bool
plan_undo(const struct l3dsr_plan *plan, size_t n)
{
    struct step_waiter waiter = { .flows_changed = false };
    size_t *ends = xmalloc((n + 1) * sizeof *ends);
    size_t n_steps = 0;
    bool ok = true;

    if (n) {
        fprintf(stderr, "%s: rolling back the %"PRIuSIZE" change%s made\n",
                program_name, n, n > 1 ? "s" : "");
    }
    for (size_t i = 0; i < n; i = ends[n_steps++]) {
        ends[n_steps] = MIN(step_end(plan, i), n);
    }
    while (n_steps-- > 0) {
        size_t begin = n_steps ? ends[n_steps - 1] : 0;
        size_t end = ends[n_steps];
        size_t n_inv = end - begin;
        struct l3dsr_change *inv = xmalloc(n_inv * sizeof *inv);
        const struct l3dsr_change **invp = xmalloc(n_inv * sizeof *invp);

        for (size_t k = 0; k < n_inv; k++) {
            change_invert(&plan->changes[end - 1 - k], &inv[k]);
            invp[k] = &inv[k];
        }
        step_wait(&waiter, &inv[0]);
        char *error = step_apply(invp, n_inv);
        for (size_t k = 0; k < n_inv; k++) {
            struct ds s = DS_EMPTY_INITIALIZER;

            l3dsr_change_format(&inv[k], &s);
            if (error) {
                fprintf(stderr, "%s: rollback: %s: failed (%s)\n",
                        program_name, ds_cstr(&s), error);
            } else {
                fprintf(stderr, "%s: rollback: %s\n", program_name,
                        ds_cstr(&s));
            }
            ds_destroy(&s);
        }
        ok = ok && !error;
        free(error);
        free(invp);
        free(inv);
    }
    free(ends);
    return ok;
}

/* Makes the changes of 'plan' in order.  The changes of flows that follow
 * each other on one bridge go to the switch as one atomic bundle, so that no
 * packet meets a half-changed set of flows.  If a step fails, reports it and
 * undoes the steps already made, then sets '*rolled_back' to true if that
 * succeeded.  Returns true if every change was made. */
bool
l3dsr_plan_apply(const struct l3dsr_plan *plan,
                 const struct l3dsr_apply_options *options,
                 bool *rolled_back)
{
    struct step_waiter waiter = { .flows_changed = false };

    *rolled_back = false;
    for (size_t i = 0; i < plan->n;) {
        size_t end = step_end(plan, i);
        const struct l3dsr_change **cs = xmalloc((end - i) * sizeof *cs);
        size_t failed = i;
        char *error = NULL;

        for (size_t k = i; k < end; k++) {
            cs[k - i] = &plan->changes[k];
            if (options->fail_at > 0 && k + 1 == options->fail_at) {
                error = xasprintf("injected failure (OVS_L3DSR_FAIL_AT=%d)",
                                  options->fail_at);
                failed = k;
            }
        }
        step_wait(&waiter, cs[0]);
        if (!error) {
            error = step_apply(cs, end - i);
        }
        free(cs);

        if (error) {
            struct ds s = DS_EMPTY_INITIALIZER;

            l3dsr_change_format(&plan->changes[failed], &s);
            fflush(stdout);
            fprintf(stderr, "%s: %s: failed (%s)\n", program_name,
                    ds_cstr(&s), error);
            free(error);
            ds_destroy(&s);
            *rolled_back = plan_undo(plan, i);
            return false;
        }
        for (size_t k = i; options->verbose && k < end; k++) {
            struct ds s = DS_EMPTY_INITIALIZER;

            l3dsr_change_format(&plan->changes[k], &s);
            printf("%s\n", ds_cstr(&s));
            ds_destroy(&s);
        }
        fflush(stdout);
        i = end;
    }
    return true;
}
