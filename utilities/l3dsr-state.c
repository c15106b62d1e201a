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

#include "l3dsr-state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "l3dsr-conf.h"
#include "l3dsr-flow.h"
#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

void
l3dsr_state_init(struct l3dsr_state *state)
{
    memset(state, 0, sizeof *state);
    svec_init(&state->bridges);
    l3dsr_addrs_init(&state->aliases);
}

void
l3dsr_state_destroy(struct l3dsr_state *state)
{
    if (state) {
        svec_destroy(&state->bridges);
        free(state->dpids);
        free(state->options.in_port);
        free(state->options.then);
        l3dsr_addrs_destroy(&state->aliases);
        for (size_t i = 0; i < state->n_sysctls; i++) {
            free(state->sysctls[i].name);
        }
        free(state->sysctls);
    }
}

void
l3dsr_state_clone(struct l3dsr_state *dst, const struct l3dsr_state *src)
{
    l3dsr_state_init(dst);
    l3dsr_state_union(dst, src);
}

/* Adds to 'dst' everything that 'src' owns.  For a sysctl that both have,
 * 'dst' keeps its own record. */
void
l3dsr_state_union(struct l3dsr_state *dst, const struct l3dsr_state *src)
{
    for (size_t i = 0; i < src->bridges.n; i++) {
        l3dsr_state_add_bridge(dst, src->bridges.names[i], src->dpids[i]);
    }
    if (!dst->cookie) {
        dst->cookie = src->cookie;
    }
    if (!dst->has_options && src->has_options) {
        l3dsr_state_set_options(dst, &src->options);
    }
    for (size_t i = 0; i < src->aliases.n; i++) {
        l3dsr_addrs_add(&dst->aliases, &src->aliases.addrs[i]);
    }
    for (size_t i = 0; i < src->n_sysctls; i++) {
        const struct l3dsr_sysctl *s = &src->sysctls[i];
        if (!l3dsr_state_find_sysctl(dst, s->name)) {
            l3dsr_state_set_sysctl(dst, s->name, s->old_value, s->new_value);
        }
    }
}

bool
l3dsr_state_is_empty(const struct l3dsr_state *state)
{
    return !state->bridges.n && !state->aliases.n && !state->n_sysctls;
}

/* Records that bridge 'name', of datapath ID 'dpid' (0 if unknown), may
 * hold flows of ovs-l3dsr.  A bridge already recorded under another name
 * with the same datapath ID is the same bridge: it takes the new name. */
void
l3dsr_state_add_bridge(struct l3dsr_state *state, const char *name,
                       uint64_t dpid)
{
    for (size_t i = 0; i < state->bridges.n; i++) {
        if (!strcmp(state->bridges.names[i], name)) {
            if (dpid) {
                state->dpids[i] = dpid;
            }
            return;
        } else if (dpid && state->dpids[i] == dpid) {
            free(state->bridges.names[i]);
            state->bridges.names[i] = xstrdup(name);
            return;
        }
    }
    svec_add(&state->bridges, name);
    state->dpids = xrealloc(state->dpids,
                            state->bridges.n * sizeof *state->dpids);
    state->dpids[state->bridges.n - 1] = dpid;
}

/* Returns the datapath ID recorded for bridge 'name', or 0. */
uint64_t
l3dsr_state_get_dpid(const struct l3dsr_state *state, const char *name)
{
    for (size_t i = 0; i < state->bridges.n; i++) {
        if (!strcmp(state->bridges.names[i], name)) {
            return state->dpids[i];
        }
    }
    return 0;
}

/* Returns the bridge for the flows: 'bridge_opt' (from -b) if nonnull,
 * otherwise the only bridge that 'state' names, otherwise NULL. */
const char *
l3dsr_state_pick_bridge(const struct l3dsr_state *state,
                        const char *bridge_opt)
{
    return (bridge_opt ? bridge_opt
            : state->bridges.n == 1 ? state->bridges.names[0]
            : NULL);
}

void
l3dsr_state_set_options(struct l3dsr_state *state,
                        const struct l3dsr_state_options *options)
{
    char *in_port = nullable_xstrdup(options->in_port);
    char *then = nullable_xstrdup(options->then);

    free(state->options.in_port);
    free(state->options.then);
    state->options.in_port = in_port;
    state->options.priority = options->priority;
    state->options.then = then;
    state->has_options = true;
}

struct l3dsr_sysctl *
l3dsr_state_find_sysctl(const struct l3dsr_state *state, const char *name)
{
    for (size_t i = 0; i < state->n_sysctls; i++) {
        if (!strcmp(state->sysctls[i].name, name)) {
            return &state->sysctls[i];
        }
    }
    return NULL;
}

/* Records that sysctl 'name' was 'old_value' before ovs-l3dsr set it to
 * 'new_value', replacing any earlier record of 'name'. */
void
l3dsr_state_set_sysctl(struct l3dsr_state *state, const char *name,
                       int old_value, int new_value)
{
    struct l3dsr_sysctl *s = l3dsr_state_find_sysctl(state, name);

    if (!s) {
        state->sysctls = xrealloc(state->sysctls,
                                  (state->n_sysctls + 1)
                                  * sizeof *state->sysctls);
        s = &state->sysctls[state->n_sysctls++];
        s->name = xstrdup(name);
    }
    s->old_value = old_value;
    s->new_value = new_value;
}

void
l3dsr_state_remove_sysctl(struct l3dsr_state *state, const char *name)
{
    struct l3dsr_sysctl *s = l3dsr_state_find_sysctl(state, name);

    if (s) {
        free(s->name);
        *s = state->sysctls[--state->n_sysctls];
    }
}

static char *
parse_state_line(struct l3dsr_state *state, char *line)
{
    char *save_ptr = NULL;
    char *key = strtok_r(line, " \t", &save_ptr);
    char *rest = save_ptr ? save_ptr + strspn(save_ptr, " \t") : NULL;

    if (key && !strcmp(key, "then")) {
        /* Actions may hold spaces: the rest of the line. */
        if (rest && *rest) {
            free(state->options.then);
            state->options.then = xstrdup(rest);
            return NULL;
        }
        return xstrdup("not a state line");
    }

    char *arg1 = strtok_r(NULL, " \t", &save_ptr);
    char *arg2 = strtok_r(NULL, " \t", &save_ptr);
    char *arg3 = strtok_r(NULL, " \t", &save_ptr);
    unsigned long long int u64;
    int n;

    if (!key || key[0] == '#') {
        return NULL;
    } else if (!strcmp(key, "bridge") && arg1 && !arg3) {
        if (!arg2) {
            /* Written before datapath IDs were recorded. */
            l3dsr_state_add_bridge(state, arg1, 0);
            return NULL;
        } else if (str_to_ullong(arg2, 16, &u64) && u64) {
            l3dsr_state_add_bridge(state, arg1, u64);
            return NULL;
        }
    } else if (!strcmp(key, "alias") && arg1 && !arg2) {
        struct in6_addr addr;
        if (ipv6_parse(arg1, &addr)) {
            l3dsr_addrs_add(&state->aliases, &addr);
            return NULL;
        }
        ovs_be32 ip;
        if (ip_parse(arg1, &ip)) {
            in6_addr_set_mapped_ipv4(&addr, ip);
            l3dsr_addrs_add(&state->aliases, &addr);
            return NULL;
        }
    } else if (!strcmp(key, "sysctl") && arg3
               && !strtok_r(NULL, " \t", &save_ptr)) {
        int old_value, new_value;
        if (str_to_int(arg2, 10, &old_value)
            && str_to_int(arg3, 10, &new_value)) {
            l3dsr_state_set_sysctl(state, arg1, old_value, new_value);
            return NULL;
        }
    } else if (!strcmp(key, "cookie") && arg1 && !arg2) {
        if (str_to_ullong(arg1, 16, &u64)
            && (u64 & L3DSR_COOKIE_MASK) == L3DSR_COOKIE) {
            state->cookie = u64;
            return NULL;
        }
        return xasprintf("%s is not a cookie of ovs-l3dsr", arg1);
    } else if (!strcmp(key, "priority") && arg1 && !arg2) {
        if (str_to_int(arg1, 10, &n) && n >= 0 && n <= UINT16_MAX) {
            state->options.priority = n;
            state->has_options = true;
            return NULL;
        }
    } else if (!strcmp(key, "in-port") && arg1 && !arg2) {
        free(state->options.in_port);
        state->options.in_port = xstrdup(arg1);
        return NULL;
    }
    return xstrdup("not a state line");
}

/* Reads state file 'file_name' into 'state', which must be initialized.  A
 * missing file is an empty state.  Returns NULL if successful, otherwise a
 * malloc()'d error message. */
char *
l3dsr_state_read(const char *file_name, struct l3dsr_state *state)
{
    FILE *stream = fopen(file_name, "r");
    if (!stream) {
        return (errno == ENOENT
                ? NULL
                : xasprintf("%s: cannot read state file (%s)", file_name,
                            ovs_strerror(errno)));
    }

    struct ds line = DS_EMPTY_INITIALIZER;
    char *error = NULL;
    int line_number = 0;
    while (!error && !ds_get_line(&line, stream)) {
        char *problem = parse_state_line(state, ds_cstr(&line));
        line_number++;
        if (problem) {
            error = xasprintf("%s:%d: %s (remove the file if it is "
                              "damaged)", file_name, line_number, problem);
            free(problem);
        }
    }
    ds_destroy(&line);
    fclose(stream);
    return error;
}

/* Replaces state file 'file_name' by 'state', or removes the file if 'state'
 * is empty.  Returns NULL if successful, otherwise a malloc()'d error
 * message. */
char *
l3dsr_state_write(const char *file_name, const struct l3dsr_state *state)
{
    if (l3dsr_state_is_empty(state)) {
        if (unlink(file_name) && errno != ENOENT) {
            return xasprintf("%s: cannot remove state file (%s)", file_name,
                             ovs_strerror(errno));
        }
        return NULL;
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    ds_put_cstr(&s, "# What \"ovs-l3dsr start\" changed on this host, for "
                "\"ovs-l3dsr stop\".\n"
                "# Written by ovs-l3dsr: do not edit.\n");
    for (size_t i = 0; i < state->bridges.n; i++) {
        ds_put_format(&s, "bridge %s", state->bridges.names[i]);
        if (state->dpids[i]) {
            ds_put_format(&s, " 0x%016"PRIx64, state->dpids[i]);
        }
        ds_put_char(&s, '\n');
    }
    for (size_t i = 0; i < state->aliases.n; i++) {
        const struct in6_addr *addr = &state->aliases.addrs[i];

        ds_put_cstr(&s, "alias ");
        l3dsr_addr_format(addr, IN6_IS_ADDR_V4MAPPED(addr), &s);
        ds_put_char(&s, '\n');
    }
    for (size_t i = 0; i < state->n_sysctls; i++) {
        const struct l3dsr_sysctl *sysctl = &state->sysctls[i];
        ds_put_format(&s, "sysctl %s %d %d\n", sysctl->name,
                      sysctl->old_value, sysctl->new_value);
    }
    if (state->cookie) {
        ds_put_format(&s, "cookie 0x%016"PRIx64"\n", state->cookie);
    }
    if (state->has_options) {
        const struct l3dsr_state_options *o = &state->options;

        ds_put_format(&s, "priority %d\n", o->priority);
        if (o->in_port) {
            ds_put_format(&s, "in-port %s\n", o->in_port);
        }
        if (o->then) {
            ds_put_format(&s, "then %s\n", o->then);
        }
    }

    /* Write a new file and rename it over the old one, so that a reader or
     * a crash never sees half a state. */
    char *tmp_name = xasprintf("%s.tmp", file_name);
    char *error = NULL;
    FILE *stream = fopen(tmp_name, "w");
    if (!stream) {
        error = xasprintf("%s: cannot create state file (%s)", tmp_name,
                          ovs_strerror(errno));
    } else {
        bool ok = fwrite(s.string, 1, s.length, stream) == s.length;
        ok = !fflush(stream) && !fsync(fileno(stream)) && ok;
        if (fclose(stream) || !ok) {
            error = xasprintf("%s: cannot write state file (%s)", tmp_name,
                              ovs_strerror(errno));
            unlink(tmp_name);
        } else if (rename(tmp_name, file_name)) {
            error = xasprintf("%s: cannot replace state file (%s)",
                              file_name, ovs_strerror(errno));
            unlink(tmp_name);
        }
    }
    free(tmp_name);
    ds_destroy(&s);
    return error;
}
