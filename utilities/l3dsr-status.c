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

#include <stdio.h>
#include <string.h>

#include "daddr-on-dscp.h"
#include "l3dsr-change.h"
#include "l3dsr-conf.h"
#include "l3dsr-flow.h"
#include "l3dsr-host.h"
#include "openvswitch/dynamic-string.h"
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
    bool alias;                 /* Present on "lo". */
    enum flow_status flow;
    const struct l3dsr_flow *of; /* The flow, if FLOW_YES. */
    bool arp;                   /* ARP sysctls as DSR needs them. */
};

/* Returns true if 'flow' maps DSCP 'dscp' of the family of 'addr' to
 * 'addr'. */
static bool
flow_maps(const struct l3dsr_flow *flow, int dscp,
          const struct in6_addr *addr)
{
    const struct ofpact_set_daddr_on_dscp *map = l3dsr_flow_get_map(flow);
    const struct flow_wildcards *wc = &flow->match.wc;
    bool ipv4 = IN6_IS_ADDR_V4MAPPED(addr);
    ovs_be16 dl_type = htons(ipv4 ? ETH_TYPE_IP : ETH_TYPE_IPV6);

    if (!map || (wc->masks.dl_type
                 && flow->match.flow.dl_type != dl_type)) {
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

    vs->alias = l3dsr_addrs_contains(&view->lo, &vip->addr);
    vs->arp = !l3dsr_vip_is_ipv4(vip) || arp_sysctls_ok(in->view);
    vs->of = NULL;
    vs->flow = FLOW_NONE;
    if (!l3dsr_vip_is_l3(vip)) {
        return;
    }

    for (size_t i = 0; i < view->n_bridges; i++) {
        const struct l3dsr_bridge *br = view->bridges[i];
        for (size_t j = 0; j < br->n_flows; j++) {
            if (l3dsr_flow_is_owned(br->flows[j])
                && flow_maps(br->flows[j], vip->dscp, &vip->addr)) {
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
    return vs->alias && vs->arp && (vs->flow == FLOW_NONE
                                    || vs->flow == FLOW_YES);
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

/* Adds a cell for 'addr', an IPv4 address if 'ipv4', otherwise IPv6 even
 * if it is IPv4-mapped. */
static void
table_add_addr(struct table *t, const struct in6_addr *addr, bool ipv4)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    l3dsr_addr_format(addr, ipv4, &s);
    svec_add_nocopy(&t->cells, ds_steal_cstr(&s));
}

static void
table_add_counters(struct table *t, const struct l3dsr_flow *flow)
{
    for (int bytes = 0; bytes < 2; bytes++) {
        uint64_t n = (!flow ? UINT64_MAX
                      : bytes ? flow->n_bytes
                      : flow->n_packets);
        svec_add_nocopy(&t->cells, (n == UINT64_MAX
                                    ? xstrdup("-")
                                    : xasprintf("%"PRIu64, n)));
    }
}

static const char *
flow_status_string(enum flow_status fs)
{
    return (fs == FLOW_YES ? "yes"
            : fs == FLOW_NO ? "no"
            : fs == FLOW_UNKNOWN ? "?"
            : "-");
}

/* Returns true if 'flow' holds configured entry 'dscp'='addr' on behalf of
 * the configuration.  'ipv4' tells the family of the entry of the flow's
 * map: an IPv4-mapped IPv6 entry is never an IPv4 VIP. */
static bool
is_configured(const struct l3dsr_conf *conf, const struct l3dsr_flow *flow,
              int dscp, const struct in6_addr *addr, bool ipv4)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        if (vip->dscp == dscp && l3dsr_vip_is_ipv4(vip) == ipv4
            && ipv6_addr_equals(&vip->addr, addr)
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
              const struct l3dsr_flow *flow, struct table *t,
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
        bool alias = l3dsr_addrs_contains(mapped6 ? &in->view->lo_mapped6
                                          : &in->view->lo, &addr);
        table_add_addr(t, &addr, ipv4);
        svec_add_nocopy(&t->cells, xasprintf("%d", dscp));
        svec_add(&t->cells, "L3DSR");
        svec_add(&t->cells, alias ? "partial" : "stopped");
        svec_add(&t->cells, alias ? "yes" : "no");
        svec_add(&t->cells, "yes");
        table_add_counters(t, flow);
        svec_add(&t->cells, l3dsr_flow_is_owned(flow) ? "stale" : "other");
        l3dsr_addrs_add(mapped6 ? shown_mapped6 : shown, &addr);
    }
}

static void
add_alias_row(struct table *t, const struct in6_addr *addr, bool ipv4)
{
    table_add_addr(t, addr, ipv4);
    svec_add(&t->cells, "-");
    svec_add(&t->cells, "alias");
    svec_add(&t->cells, "-");
    svec_add(&t->cells, "yes");
    svec_add(&t->cells, "-");
    table_add_counters(t, NULL);
    svec_add(&t->cells, "other");
}

/* Adds the rows of -a: entries of set_daddr_on_dscp maps and addresses on
 * "lo" that the configuration does not hold. */
static void
add_discovered_rows(const struct l3dsr_status_input *in, struct table *t)
{
    const struct l3dsr_view *view = in->view;
    struct l3dsr_addrs shown, shown_mapped6;

    l3dsr_addrs_init(&shown);
    l3dsr_addrs_init(&shown_mapped6);
    for (size_t i = 0; i < view->n_bridges; i++) {
        const struct l3dsr_bridge *br = view->bridges[i];
        for (size_t j = 0; j < br->n_flows; j++) {
            add_flow_rows(in, br->flows[j], t, &shown, &shown_mapped6);
        }
    }

    for (size_t i = 0; i < view->lo.n; i++) {
        const struct in6_addr *addr = &view->lo.addrs[i];
        bool loopback = (IN6_IS_ADDR_V4MAPPED(addr)
                         ? (ntohl(in6_addr_get_mapped_ipv4(addr)) >> 24) == 127
                         : ipv6_addr_equals(addr, &in6addr_loopback));
        if (loopback || l3dsr_conf_has_addr(in->conf, addr)
            || l3dsr_addrs_contains(&shown, addr)) {
            continue;
        }
        add_alias_row(t, addr, IN6_IS_ADDR_V4MAPPED(addr));
    }
    for (size_t i = 0; i < view->lo_mapped6.n; i++) {
        const struct in6_addr *addr = &view->lo_mapped6.addrs[i];
        if (!l3dsr_addrs_contains(&shown_mapped6, addr)) {
            add_alias_row(t, addr, false);
        }
    }
    l3dsr_addrs_destroy(&shown);
    l3dsr_addrs_destroy(&shown_mapped6);
}

/* Prints the status table: one row for each configured VIP, and with 'all'
 * one for each entry of a set_daddr_on_dscp map or alias on "lo" that the
 * configuration does not hold.  Then the ARP sysctls, if an IPv4 VIP needs
 * them.  Returns false if a sysctl could not be read. */
bool
l3dsr_status_print(const struct l3dsr_status_input *in, bool all,
                   bool header)
{
    static const char *titles[] = {
        "VIP", "DSCP", "KIND", "STATE", "ALIAS", "FLOW", "PACKETS", "BYTES",
        "SOURCE",
    };
    struct table t = { .n_columns = all ? 9 : 8 };
    const struct l3dsr_conf *conf = in->conf;
    bool ok = true;

    svec_init(&t.cells);
    for (size_t i = 0; header && i < t.n_columns; i++) {
        svec_add(&t.cells, titles[i]);
    }
    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        struct vip_status vs;

        get_vip_status(in, vip, &vs);
        table_add_addr(&t, &vip->addr, l3dsr_vip_is_ipv4(vip));
        svec_add_nocopy(&t.cells, (l3dsr_vip_is_l3(vip)
                                   ? xasprintf("%d", vip->dscp)
                                   : xstrdup("-")));
        svec_add(&t.cells, l3dsr_vip_is_l3(vip) ? "L3DSR" : "L2DSR");
        svec_add(&t.cells, (vip_started(&vs) ? "started"
                            : !vs.alias && vs.flow != FLOW_YES ? "stopped"
                            : "partial"));
        svec_add(&t.cells, vs.alias ? "yes" : "no");
        svec_add(&t.cells, flow_status_string(vs.flow));
        table_add_counters(&t, vs.of);
        if (all) {
            svec_add(&t.cells, "conf");
        }
    }
    if (all) {
        add_discovered_rows(in, &t);
    }
    table_print(&t);
    svec_destroy(&t.cells);

    for (size_t i = 0; l3dsr_conf_has_ipv4(conf) && i < L3DSR_N_ARP_SYSCTLS;
         i++) {
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

/* Stores in 'line' one line that says how many of the configured VIPs are
 * started, and which are not, and why.  Returns dsrctl's exit status of
 * "check": 0 if every VIP is started, 3 if some are, 1 if none is. */
int
l3dsr_check(const struct l3dsr_status_input *in, struct ds *line)
{
    const struct l3dsr_conf *conf = in->conf;
    struct ds missing = DS_EMPTY_INITIALIZER;
    size_t n_started = 0;

    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *vip = &conf->vips[i];
        struct vip_status vs;

        get_vip_status(in, vip, &vs);
        if (vip_started(&vs)) {
            n_started++;
            continue;
        }

        struct svec why = SVEC_EMPTY_INITIALIZER;
        if (!vs.alias) {
            svec_add(&why, "no alias");
        }
        if (vs.flow == FLOW_NO || vs.flow == FLOW_UNKNOWN) {
            svec_add(&why, vs.flow == FLOW_NO ? "no flow" : "flow unknown");
        }
        if (!vs.arp) {
            svec_add(&why, "ARP sysctls");
        }
        char *reasons = svec_join(&why, ", ", "");
        ds_put_cstr(&missing, missing.length ? ", " : ": ");
        l3dsr_vip_format(vip, &missing);
        ds_put_format(&missing, " (%s)", reasons);
        free(reasons);
        svec_destroy(&why);
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
