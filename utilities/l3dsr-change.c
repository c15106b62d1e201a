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

#include "l3dsr-change.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "l3dsr-flow.h"
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
l3dsr_view_init(struct l3dsr_view *view)
{
    memset(view, 0, sizeof *view);
    l3dsr_addrs_init(&view->lo);
    l3dsr_addrs_init(&view->lo_mapped6);
    svec_init(&view->sysctl_names);
}

void
l3dsr_view_destroy(struct l3dsr_view *view)
{
    if (view) {
        l3dsr_addrs_destroy(&view->lo);
        l3dsr_addrs_destroy(&view->lo_mapped6);
        svec_destroy(&view->sysctl_names);
        free(view->sysctl_values);
        for (size_t i = 0; i < view->n_bridges; i++) {
            l3dsr_bridge_close(view->bridges[i]);
        }
        free(view->bridges);
    }
}

static int *
view_find_sysctl(struct l3dsr_view *view, const char *name)
{
    for (size_t i = 0; i < view->sysctl_names.n; i++) {
        if (!strcmp(view->sysctl_names.names[i], name)) {
            return &view->sysctl_values[i];
        }
    }
    return NULL;
}

/* Stores the value of sysctl 'name' in '*value', reading it from the kernel
 * the first time.  Returns NULL if successful, otherwise a malloc()'d error
 * message. */
char *
l3dsr_view_get_sysctl(struct l3dsr_view *view, const char *name, int *value)
{
    int *cached = view_find_sysctl(view, name);

    if (!cached) {
        int error = l3dsr_sysctl_get(name, value);
        if (error) {
            return xasprintf("cannot read sysctl %s (%s)", name,
                             ovs_strerror(error));
        }
        svec_add(&view->sysctl_names, name);
        view->sysctl_values = xrealloc(view->sysctl_values,
                                       view->sysctl_names.n
                                       * sizeof *view->sysctl_values);
        cached = &view->sysctl_values[view->sysctl_names.n - 1];
        *cached = *value;
    }
    *value = *cached;
    return NULL;
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
        int *value;

        switch (c->type) {
        case L3DSR_SET_SYSCTL:
            value = view_find_sysctl(view, c->sysctl);
            if (value) {
                *value = c->value;
            }
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

/* Undoes the first 'n' changes of 'plan', last first.  Returns true if all
 * of them were undone. */
static bool
plan_undo(const struct l3dsr_plan *plan, size_t n)
{
    bool ok = true;

    if (n) {
        fprintf(stderr, "%s: rolling back the %"PRIuSIZE" change%s made\n",
                program_name, n, n > 1 ? "s" : "");
    }
    while (n-- > 0) {
        struct ds s = DS_EMPTY_INITIALIZER;
        struct l3dsr_change inv;

        change_invert(&plan->changes[n], &inv);
        l3dsr_change_format(&inv, &s);
        char *error = l3dsr_change_apply(&inv);
        if (error) {
            fprintf(stderr, "%s: rollback: %s: failed (%s)\n",
                    program_name, ds_cstr(&s), error);
            free(error);
            ok = false;
        } else {
            fprintf(stderr, "%s: rollback: %s\n", program_name, ds_cstr(&s));
        }
        ds_destroy(&s);
    }
    return ok;
}

/* Makes the changes of 'plan' in order.  If one fails, reports it and undoes
 * those already made, then sets '*rolled_back' to true if that succeeded.
 * Returns true if every change was made. */
bool
l3dsr_plan_apply(const struct l3dsr_plan *plan,
                 const struct l3dsr_apply_options *options,
                 bool *rolled_back)
{
    *rolled_back = false;
    for (size_t i = 0; i < plan->n; i++) {
        const struct l3dsr_change *c = &plan->changes[i];
        struct ds s = DS_EMPTY_INITIALIZER;
        char *error;

        l3dsr_change_format(c, &s);
        if (options->fail_at > 0 && i + 1 == options->fail_at) {
            error = xasprintf("injected failure (OVS_L3DSR_FAIL_AT=%d)",
                              options->fail_at);
        } else {
            error = l3dsr_change_apply(c);
        }
        if (error) {
            fflush(stdout);
            fprintf(stderr, "%s: %s: failed (%s)\n", program_name,
                    ds_cstr(&s), error);
            free(error);
            ds_destroy(&s);
            *rolled_back = plan_undo(plan, i);
            return false;
        }
        if (options->verbose) {
            printf("%s\n", ds_cstr(&s));
            fflush(stdout);
        }
        ds_destroy(&s);
    }
    return true;
}
