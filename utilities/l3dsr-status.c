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

#include "l3dsr-status.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "daddr-on-dscp.h"
#include "l3dsr-bridge.h"
#include "l3dsr-conf.h"
#include "l3dsr-flow.h"
#include "l3dsr-host.h"
#include "l3dsr-plan.h"
#include "l3dsr-view.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/ofp-actions.h"
#include "packets.h"
#include "svec.h"
#include "util.h"

enum flow_status {
    FLOW_NONE,                  /* L2DSR: no flow needed. */
    FLOW_NO,
    FLOW_YES,
    FLOW_UNKNOWN,               /* No bridge could be read. */
};

/* What status and check find for one VIP. */
struct vip_status {
    bool on_server;             /* A server's VIP: only its flow counts. */
    bool alias;                 /* Present on "lo". */
    enum flow_status flow;
    const struct l3dsr_flow *of; /* The flow, if FLOW_YES. */
    bool arp;                   /* ARP sysctls as DSR needs them. */
};

/* Returns true if 'flow' maps DSCP 'dscp' of the family of 'addr' to
 * 'addr' for the packets of 'server' (all-zeros: this host's). */
static bool
flow_maps(const struct l3dsr_flow *flow, int dscp,
          const struct in6_addr *addr, const struct in6_addr *server)
{
    const struct ofpact_set_daddr_on_dscp *map = l3dsr_flow_get_map(flow);
    const struct flow_wildcards *wc = &flow->match.wc;
    bool ipv4 = IN6_IS_ADDR_V4MAPPED(addr);
    ovs_be16 dl_type = htons(ipv4 ? ETH_TYPE_IP : ETH_TYPE_IPV6);
    struct in6_addr flow_dst = l3dsr_flow_server(flow);

    if (!map || (wc->masks.dl_type
                 && flow->match.flow.dl_type != dl_type)
        || !ipv6_addr_equals(&flow_dst, server)) {
        return false;
    }
    return (ipv4
            ? ((map->ipv4_dscps >> dscp) & 1
               && map->ipv4[dscp] == in6_addr_get_mapped_ipv4(addr))
            : ((map->ipv6_dscps >> dscp) & 1
               && ipv6_addr_equals(&map->ipv6[dscp], addr)));
}

static bool
arp_sysctls_ok(struct l3dsr_view *view)
{
    for (size_t i = 0; i < L3DSR_N_ARP_SYSCTLS; i++) {
        int value;
        char *error = l3dsr_view_get_sysctl(view, l3dsr_arp_sysctls[i].name,
                                            &value);
        if (error) {
            free(error);
            return false;
        } else if (value != l3dsr_arp_sysctls[i].value) {
            return false;
        }
    }
    return true;
}

static void
get_vip_status(const struct l3dsr_status_input *in,
               const struct l3dsr_vip *vip, struct vip_status *vs)
{
    const struct l3dsr_view *view = in->view;

    vs->on_server = l3dsr_vip_on_server(vip);
    vs->alias = (!vs->on_server
                 && l3dsr_addrs_contains(&view->lo, &vip->addr));
    vs->arp = (vs->on_server || !l3dsr_vip_is_ipv4(vip)
               || arp_sysctls_ok(in->view));
    vs->of = NULL;
    vs->flow = FLOW_NONE;
    if (!l3dsr_vip_is_l3(vip) || in->no_flows) {
        return;
    }

    for (size_t i = 0; i < view->n_bridges; i++) {
        const struct l3dsr_bridge *br = view->bridges[i];
        for (size_t j = 0; j < br->n_flows; j++) {
            if (l3dsr_flow_is_owned(br->flows[j])
                && flow_maps(br->flows[j], vip->dscp, &vip->addr,
                             &vip->server)) {
                vs->flow = FLOW_YES;
                vs->of = br->flows[j];
                return;
            }
        }
    }
    vs->flow = in->flows_unknown ? FLOW_UNKNOWN : FLOW_NO;
}

static bool
vip_started(const struct vip_status *vs)
{
    return ((vs->alias || vs->on_server) && vs->arp
            && (vs->flow == FLOW_NONE || vs->flow == FLOW_YES));
}

/* One row of "status": a configured entry or, with -a, something else
 * found on the host or the bridges. */
struct row {
    struct in6_addr addr;
    bool ipv4;                  /* An IPv4 address (not IPv4-mapped IPv6). */
    struct in6_addr server;     /* Server behind the bridge, or all-zeros. */
    int dscp;                   /* -1 if none. */
    const char *kind;           /* "L3DSR", "L2DSR" or "alias". */
    const char *state;          /* "started", "partial", "stopped" or
                                 * NULL. */
    struct vip_status vs;
    const struct l3dsr_vip *vip; /* The configured entry, if any. */
    const char *source;         /* "conf", "stale" or "other". */
};

struct rows {
    struct row *rows;
    size_t n, allocated;
};

static struct row *
rows_add(struct rows *rows)
{
    if (rows->n >= rows->allocated) {
        rows->rows = x2nrealloc(rows->rows, &rows->allocated,
                                sizeof *rows->rows);
    }
    struct row *row = &rows->rows[rows->n++];
    memset(row, 0, sizeof *row);
    row->dscp = -1;
    return row;
}

static void
add_conf_rows(const struct l3dsr_status_input *in, struct rows *rows)
{
    for (size_t i = 0; i < in->conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &in->conf->vips[i];
        struct row *row = rows_add(rows);

        get_vip_status(in, vip, &row->vs);
        row->addr = vip->addr;
        row->ipv4 = l3dsr_vip_is_ipv4(vip);
        row->server = vip->server;
        row->dscp = l3dsr_vip_is_l3(vip) ? vip->dscp : -1;
        row->kind = l3dsr_vip_is_l3(vip) ? "L3DSR" : "L2DSR";
        row->state = (vip_started(&row->vs) ? "started"
                      : !row->vs.alias && row->vs.flow != FLOW_YES
                      ? "stopped" : "partial");
        row->vip = vip;
        row->source = "conf";
    }
}

/* Returns true if 'flow' holds configured entry 'dscp'='addr' on behalf of
 * the configuration.  'ipv4' tells the family of the entry of the flow's
 * map: an IPv4-mapped IPv6 entry is never an IPv4 VIP. */
static bool
is_configured(const struct l3dsr_conf *conf, const struct l3dsr_flow *flow,
              int dscp, const struct in6_addr *addr, bool ipv4)
{
    struct in6_addr server = l3dsr_flow_server(flow);

    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        if (vip->dscp == dscp && l3dsr_vip_is_ipv4(vip) == ipv4
            && ipv6_addr_equals(&vip->addr, addr)
            && ipv6_addr_equals(&vip->server, &server)
            && l3dsr_flow_is_owned(flow)) {
            return true;
        }
    }
    return false;
}

/* Adds the rows of one flow's set_daddr_on_dscp map, for -a, with what the
 * configuration does not hold.  Adds the addresses shown to 'shown', or to
 * 'shown_mapped6' for IPv4-mapped IPv6 addresses. */
static void
add_flow_rows(const struct l3dsr_status_input *in,
              const struct l3dsr_flow *flow, struct rows *rows,
              struct l3dsr_addrs *shown, struct l3dsr_addrs *shown_mapped6)
{
    const struct ofpact_set_daddr_on_dscp *map = l3dsr_flow_get_map(flow);

    for (int i = 0; map && i < 2 * DADDR_ON_DSCP_N; i++) {
        int dscp = i % DADDR_ON_DSCP_N;
        bool ipv4 = i < DADDR_ON_DSCP_N;
        struct in6_addr addr;

        if (ipv4 && (map->ipv4_dscps >> dscp) & 1) {
            in6_addr_set_mapped_ipv4(&addr, map->ipv4[dscp]);
        } else if (!ipv4 && (map->ipv6_dscps >> dscp) & 1) {
            addr = map->ipv6[dscp];
        } else {
            continue;
        }
        if (is_configured(in->conf, flow, dscp, &addr, ipv4)) {
            continue;
        }

        bool mapped6 = !ipv4 && IN6_IS_ADDR_V4MAPPED(&addr);
        struct in6_addr server = l3dsr_flow_server(flow);
        bool on_server = !IN6_IS_ADDR_UNSPECIFIED(&server);
        bool alias = !on_server && l3dsr_addrs_contains(
            mapped6 ? &in->view->lo_mapped6 : &in->view->lo, &addr);
        struct row *row = rows_add(rows);
        row->addr = addr;
        row->ipv4 = ipv4;
        row->server = server;
        row->dscp = dscp;
        row->kind = "L3DSR";
        row->state = alias ? "partial" : "stopped";
        row->vs.on_server = on_server;
        row->vs.alias = alias;
        row->vs.arp = true;
        row->vs.flow = FLOW_YES;
        row->vs.of = flow;
        row->source = l3dsr_flow_is_owned(flow) ? "stale" : "other";
        l3dsr_addrs_add(mapped6 ? shown_mapped6 : shown, &addr);
    }
}

static void
add_alias_row(struct rows *rows, const struct in6_addr *addr, bool ipv4)
{
    struct row *row = rows_add(rows);

    row->addr = *addr;
    row->ipv4 = ipv4;
    row->kind = "alias";
    row->vs.alias = true;
    row->vs.arp = true;
    row->vs.flow = FLOW_NONE;
    row->source = "other";
}

/* Adds the rows of -a: entries of set_daddr_on_dscp maps and addresses on
 * "lo" that the configuration does not hold. */
static void
add_discovered_rows(const struct l3dsr_status_input *in, struct rows *rows)
{
    const struct l3dsr_view *view = in->view;
    struct l3dsr_addrs shown, shown_mapped6;

    l3dsr_addrs_init(&shown);
    l3dsr_addrs_init(&shown_mapped6);
    for (size_t i = 0; i < view->n_bridges; i++) {
        const struct l3dsr_bridge *br = view->bridges[i];
        for (size_t j = 0; j < br->n_flows; j++) {
            add_flow_rows(in, br->flows[j], rows, &shown, &shown_mapped6);
        }
    }

    for (size_t i = 0; i < view->lo.n; i++) {
        const struct in6_addr *addr = &view->lo.addrs[i];
        bool loopback = (IN6_IS_ADDR_V4MAPPED(addr)
                         ? (ntohl(in6_addr_get_mapped_ipv4(addr)) >> 24) == 127
                         : ipv6_addr_equals(addr, &in6addr_loopback));
        if (loopback || l3dsr_conf_has_host_addr(in->conf, addr)
            || l3dsr_addrs_contains(&shown, addr)) {
            continue;
        }
        add_alias_row(rows, addr, IN6_IS_ADDR_V4MAPPED(addr));
    }
    for (size_t i = 0; i < view->lo_mapped6.n; i++) {
        const struct in6_addr *addr = &view->lo_mapped6.addrs[i];
        if (!l3dsr_addrs_contains(&shown_mapped6, addr)) {
            add_alias_row(rows, addr, false);
        }
    }
    l3dsr_addrs_destroy(&shown);
    l3dsr_addrs_destroy(&shown_mapped6);
}

/* Collects the rows of "status": one for each configured entry and, with
 * 'all', one for each entry of a set_daddr_on_dscp map or alias on "lo"
 * that the configuration does not hold. */
static void
get_rows(const struct l3dsr_status_input *in, bool all, struct rows *rows)
{
    memset(rows, 0, sizeof *rows);
    add_conf_rows(in, rows);
    if (all) {
        add_discovered_rows(in, rows);
    }
}

/* A table with columns aligned for printing. */
struct table {
    struct svec cells;
    size_t n_columns;
};

static void
table_print(const struct table *t)
{
    size_t *widths = xcalloc(t->n_columns, sizeof *widths);

    for (size_t i = 0; i < t->cells.n; i++) {
        size_t len = strlen(t->cells.names[i]);
        size_t *w = &widths[i % t->n_columns];
        *w = MAX(*w, len);
    }
    for (size_t i = 0; i < t->cells.n; i++) {
        size_t column = i % t->n_columns;
        if (column == t->n_columns - 1) {
            printf("%s\n", t->cells.names[i]);
        } else {
            printf("%-*s  ", (int) widths[column], t->cells.names[i]);
        }
    }
    free(widths);
}

static char *
addr_to_string(const struct in6_addr *addr, bool ipv4)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    l3dsr_addr_format(addr, ipv4, &s);
    return ds_steal_cstr(&s);
}

static const char *
flow_status_string(enum flow_status fs)
{
    return (fs == FLOW_YES ? "yes"
            : fs == FLOW_NO ? "no"
            : fs == FLOW_UNKNOWN ? "?"
            : "-");
}

static void
table_add_row(struct table *t, const struct row *row, bool servers, bool all)
{
    svec_add_nocopy(&t->cells, addr_to_string(&row->addr, row->ipv4));
    if (servers) {
        svec_add_nocopy(&t->cells, (row->vs.on_server
                                    ? addr_to_string(&row->server, row->ipv4)
                                    : xstrdup("-")));
    }
    svec_add_nocopy(&t->cells, (row->dscp >= 0
                                ? xasprintf("%d", row->dscp)
                                : xstrdup("-")));
    svec_add(&t->cells, row->kind);
    svec_add(&t->cells, row->state ? row->state : "-");
    svec_add(&t->cells, (row->vs.on_server ? "-"
                         : row->vs.alias ? "yes" : "no"));
    svec_add(&t->cells, flow_status_string(row->vs.flow));
    for (int bytes = 0; bytes < 2; bytes++) {
        const struct l3dsr_flow *flow = row->vs.of;
        uint64_t n = (!flow ? UINT64_MAX
                      : bytes ? flow->n_bytes
                      : flow->n_packets);
        svec_add_nocopy(&t->cells, (n == UINT64_MAX
                                    ? xstrdup("-")
                                    : xasprintf("%"PRIu64, n)));
    }
    if (all) {
        svec_add(&t->cells, row->source);
    }
}

/* Prints the status table: one row for each configured VIP, and with 'all'
 * one for each entry of a set_daddr_on_dscp map or alias on "lo" that the
 * configuration does not hold, with the column SERVER if a row belongs to a
 * server behind the bridge.  Then the ARP sysctls, if an IPv4 VIP needs
 * them.  Returns false if a sysctl could not be read. */
bool
l3dsr_status_print(const struct l3dsr_status_input *in, bool all,
                   bool header)
{
    static const char *titles[] = {
        "VIP", "SERVER", "DSCP", "KIND", "STATE", "ALIAS", "FLOW", "PACKETS",
        "BYTES", "SOURCE",
    };
    const struct l3dsr_conf *conf = in->conf;
    bool servers = false;
    struct rows rows;
    bool ok = true;

    get_rows(in, all, &rows);
    for (size_t i = 0; i < rows.n; i++) {
        servers = servers || rows.rows[i].vs.on_server;
    }

    struct table t = { .n_columns = 8 + servers + all };
    svec_init(&t.cells);
    for (size_t i = 0; header && i < ARRAY_SIZE(titles); i++) {
        if ((i != 1 || servers) && (i != ARRAY_SIZE(titles) - 1 || all)) {
            svec_add(&t.cells, titles[i]);
        }
    }
    for (size_t i = 0; i < rows.n; i++) {
        table_add_row(&t, &rows.rows[i], servers, all);
    }
    free(rows.rows);
    table_print(&t);
    svec_destroy(&t.cells);

    for (size_t i = 0;
         l3dsr_conf_has_host_ipv4(conf) && i < L3DSR_N_ARP_SYSCTLS; i++) {
        const struct l3dsr_sysctl_need *need = &l3dsr_arp_sysctls[i];
        int value;
        char *error = l3dsr_view_get_sysctl(in->view, need->name, &value);
        if (error) {
            ovs_error(0, "%s", error);
            free(error);
            ok = false;
        } else {
            printf("%s = %d (%s %d)\n", need->name, value,
                   value == need->value ? "ok:" : "DSR needs", need->value);
        }
    }
    return ok;
}

/* Appends to 's', for "check", what keeps the flows from being read: the
 * errors of the bridges that could not be read, or the lack of a bridge. */
static void
put_unread_flows(const struct l3dsr_status_input *in, struct ds *s)
{
    if (!in->bridge_errors || !in->bridge_errors->n) {
        if (!in->view->n_bridges) {
            ds_put_cstr(s, "Flows not read: no bridge known (use -b "
                        "BRIDGE). ");
        }
        return;
    }
    ds_put_cstr(s, "Flows not read: ");
    for (size_t i = 0; i < in->bridge_errors->n; i++) {
        ds_put_format(s, "%s%s", i ? "; " : "", in->bridge_errors->names[i]);
    }
    ds_put_cstr(s, strchr(".?", s->string[s->length - 1]) ? " " : ". ");
}

/* Stores in 'line' one line that says how many of the configured VIPs are
 * started, and which are not, and why.  If a bridge could not be read, the
 * line begins with what could not be read and why.  Returns dsrctl's exit
 * status of "check": 0 if every VIP is started, 3 if some are, 1 if none
 * is.  A VIP whose flow could not be read is not started. */
int
l3dsr_check(const struct l3dsr_status_input *in, struct ds *line)
{
    const struct l3dsr_conf *conf = in->conf;
    struct ds missing = DS_EMPTY_INITIALIZER;
    size_t n_started = 0;
    bool unknown = false;

    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        struct vip_status vs;

        get_vip_status(in, vip, &vs);
        if (vip_started(&vs)) {
            n_started++;
            continue;
        }

        struct svec why = SVEC_EMPTY_INITIALIZER;
        if (!vs.alias && !vs.on_server) {
            svec_add(&why, "no alias");
        }
        if (vs.flow == FLOW_NO || vs.flow == FLOW_UNKNOWN) {
            svec_add(&why, vs.flow == FLOW_NO ? "no flow" : "flow unknown");
            unknown = unknown || vs.flow == FLOW_UNKNOWN;
        }
        if (!vs.arp) {
            svec_add(&why, "ARP sysctls");
        }
        char *reasons = svec_join(&why, ", ", "");
        ds_put_cstr(&missing, missing.length ? ", " : ": ");
        l3dsr_vip_format(vip, &missing);
        if (vs.on_server) {
            ds_put_cstr(&missing, " on ");
            l3dsr_addr_format(&vip->server, l3dsr_vip_is_ipv4(vip),
                              &missing);
        }
        ds_put_format(&missing, " (%s)", reasons);
        free(reasons);
        svec_destroy(&why);
    }

    if (unknown) {
        put_unread_flows(in, line);
    }

    size_t n = conf->n_vips;
    int status;
    if (n_started == n) {
        ds_put_format(line, "All DSRs started (%"PRIuSIZE" of %"PRIuSIZE").",
                      n_started, n);
        status = 0;
    } else if (n_started) {
        ds_put_format(line, "Some DSRs not started (%"PRIuSIZE" of "
                      "%"PRIuSIZE" started)%s.", n_started, n,
                      ds_cstr(&missing));
        status = 3;
    } else {
        ds_put_format(line, "No DSRs started (0 of %"PRIuSIZE")%s.",
                      n, ds_cstr(&missing));
        status = 1;
    }
    ds_destroy(&missing);
    return status;
}

static struct json *
json_counter(const struct l3dsr_flow *flow, bool bytes)
{
    uint64_t n = !flow ? UINT64_MAX : bytes ? flow->n_bytes : flow->n_packets;

    return (n == UINT64_MAX
            ? json_null_create()
            : json_integer_create(MIN(n, (uint64_t) LLONG_MAX)));
}

static struct json *
row_to_json(const struct row *row)
{
    struct json *j = json_object_create();
    char *addr = addr_to_string(&row->addr, row->ipv4);

    json_object_put_string(j, "address", addr);
    json_object_put_nocopy(j, xstrdup("entry"),
                           json_string_create_nocopy(
                               row->dscp >= 0
                               ? xasprintf("%s=%d", addr, row->dscp)
                               : xstrdup(addr)));
    free(addr);
    json_object_put_string(j, "family", row->ipv4 ? "ipv4" : "ipv6");
    json_object_put(j, "server", (row->vs.on_server
                                  ? json_string_create_nocopy(
                                      addr_to_string(&row->server,
                                                     row->ipv4))
                                  : json_null_create()));
    json_object_put(j, "dscp", (row->dscp >= 0
                                ? json_integer_create(row->dscp)
                                : json_null_create()));
    json_object_put_string(j, "kind", row->kind);
    json_object_put(j, "state", (row->state
                                 ? json_string_create(row->state)
                                 : json_null_create()));
    json_object_put_string(j, "source", row->source);
    json_object_put(j, "alias", (row->vs.on_server
                                 ? json_null_create()
                                 : json_boolean_create(row->vs.alias)));
    json_object_put(j, "flow", (row->vs.flow == FLOW_NONE
                                ? json_null_create()
                                : row->vs.flow == FLOW_UNKNOWN
                                ? json_string_create("unknown")
                                : json_boolean_create(row->vs.flow
                                                      == FLOW_YES)));
    json_object_put(j, "packets", json_counter(row->vs.of, false));
    json_object_put(j, "bytes", json_counter(row->vs.of, true));

    if (row->vip) {
        struct json *missing = json_array_create_empty();
        struct json *unknown = json_array_create_empty();

        if (!row->vs.alias && !row->vs.on_server) {
            json_array_add(missing, json_string_create("alias"));
        }
        if (row->vs.flow == FLOW_NO) {
            json_array_add(missing, json_string_create("flow"));
        } else if (row->vs.flow == FLOW_UNKNOWN) {
            json_array_add(unknown, json_string_create("flow"));
        }
        if (!row->vs.arp) {
            json_array_add(missing, json_string_create("arp_sysctls"));
        }
        json_object_put(j, "missing", missing);
        json_object_put(j, "unknown", unknown);
    }
    return j;
}

static struct json *
sysctls_to_json(const struct l3dsr_status_input *in, bool *ok)
{
    struct json *sysctls = json_array_create_empty();

    for (size_t i = 0; (l3dsr_conf_has_host_ipv4(in->conf)
                        && i < L3DSR_N_ARP_SYSCTLS); i++) {
        const struct l3dsr_sysctl_need *need = &l3dsr_arp_sysctls[i];
        struct json *j = json_object_create();
        int value;
        char *error = l3dsr_view_get_sysctl(in->view, need->name, &value);

        json_object_put_string(j, "name", need->name);
        json_object_put(j, "needed", json_integer_create(need->value));
        if (error) {
            json_object_put_nocopy(j, xstrdup("error"),
                                   json_string_create_nocopy(error));
            json_object_put(j, "value", json_null_create());
            json_object_put(j, "ok", json_null_create());
            *ok = false;
        } else {
            json_object_put(j, "value", json_integer_create(value));
            json_object_put(j, "ok", json_boolean_create(value
                                                         == need->value));
        }
        json_array_add(sysctls, j);
    }
    return sysctls;
}

static struct json *
bridges_to_json(const struct l3dsr_status_input *in)
{
    struct json *bridges = json_array_create_empty();

    for (size_t i = 0; i < in->view->n_bridges; i++) {
        struct json *j = json_object_create();
        json_object_put_string(j, "name", in->view->bridges[i]->name);
        json_object_put(j, "readable", json_boolean_create(true));
        json_array_add(bridges, j);
    }
    for (size_t i = 0; in->unreadable && i < in->unreadable->n; i++) {
        struct json *j = json_object_create();
        json_object_put_string(j, "name", in->unreadable->names[i]);
        json_object_put(j, "readable", json_boolean_create(false));
        if (in->bridge_errors && i < in->bridge_errors->n) {
            json_object_put_string(j, "error", in->bridge_errors->names[i]);
        }
        json_array_add(bridges, j);
    }
    return bridges;
}

/* Returns the JSON document of "status --format=json" (see ovs-l3dsr(8)),
 * with the same rows as l3dsr_status_print(), as a malloc()'d string.
 * Stores in '*ok' false if something could not be read.  'in->conf' is NULL
 * if the configuration is invalid. */
char *
l3dsr_status_json(const struct l3dsr_status_input *in, bool all, bool *ok)
{
    struct json *doc = json_object_create();
    struct json *vips = json_array_create_empty();
    struct ds line = DS_EMPTY_INITIALIZER;
    const char *result;
    int status;

    *ok = in->read_ok;
    if (!in->conf) {
        result = "invalid-configuration";
        ds_put_cstr(&line, "DSR configuration error discovered (see "
                    "ovs-l3dsr show-config).");
        status = 1;
        *ok = false;
    } else {
        struct rows rows;

        get_rows(in, all, &rows);
        for (size_t i = 0; i < rows.n; i++) {
            json_array_add(vips, row_to_json(&rows.rows[i]));
        }
        free(rows.rows);

        if (!in->conf->n_vips) {
            ds_put_cstr(&line, "No configured DSRs found.");
            status = 3;
            result = "none-configured";
        } else {
            status = l3dsr_check(in, &line);
            result = (!status ? "all-started"
                      : status == 3 ? "some-not-started"
                      : "none-started");
        }
        json_object_put(doc, "sysctls", sysctls_to_json(in, ok));
        json_object_put(doc, "bridges", bridges_to_json(in));
    }

    json_object_put(doc, "version", json_integer_create(1));
    json_object_put_string(doc, "result", result);
    json_object_put(doc, "check_status", json_integer_create(status));
    json_object_put_nocopy(doc, xstrdup("check"),
                           json_string_create_nocopy(ds_steal_cstr(&line)));
    json_object_put(doc, "vips", vips);
    /* Without a bridge to read, the flows are unknown, even if "status"
     * only warns about it. */
    bool complete = *ok && !(in->conf && in->flows_unknown
                             && l3dsr_conf_has_l3(in->conf));
    json_object_put(doc, "complete", json_boolean_create(complete));

    char *s = json_to_string(doc, JSSF_PRETTY | JSSF_SORT);
    json_destroy(doc);
    return s;
}
