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

#include "l3dsr-watch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "fatal-signal.h"
#include "l3dsr-bridge.h"
#include "l3dsr-conf.h"
#include "l3dsr-flow.h"
#include "l3dsr-host.h"
#include "l3dsr-ovs-compat.h"
#include "l3dsr-plan.h"
#include "l3dsr-start.h"
#include "l3dsr-state.h"
#include "l3dsr-view.h"
#include "flow.h"
#include "latch.h"
#include "lockfile.h"
#include "openvswitch/dynamic-string.h"
#include "openflow/openflow.h"
#include "openvswitch/ofp-connection.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-monitor.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(l3dsr_watch);

/* Delays before connecting again to the bridge, in ms.  ovs-vswitchd comes
 * back within a second or so of a restart, so the tries come fast (a
 * refused connection to a local socket costs next to nothing), and the
 * flows are back within a fraction of a second of its return. */
#define MIN_BACKOFF 100
#define MAX_BACKOFF 250

/* Delays before checking again after a check failed, in ms. */
#define MIN_RETRY 100
#define MAX_RETRY 5000

/* How often the VIPs on "lo" are checked, in ms. */
#define ALIAS_INTERVAL 1000

/* The flow monitor's connection to the bridge. */
enum monitor_state {
    MON_DOWN,                   /* No connection; next try at
                                 * 'reconnect_at'. */
    MON_CONNECTING,             /* Connecting, OpenFlow hello. */
    MON_CONFIG,                 /* Asked for the switch configuration. */
    MON_REQUESTED,              /* Monitor request sent, no reply yet. */
    MON_ACTIVE,                 /* Following the flow table. */
};

struct watch {
    const struct l3dsr_watch_options *opts;
    struct l3dsr_conf conf;     /* As of the last start or reload. */
    char *bridge;               /* Bridge of the flows, or NULL if none. */
    char *target;               /* OpenFlow connection method for it. */

    /* Flow monitor. */
    struct vconn *mon;
    enum monitor_state state;
    ovs_be32 mon_xid;           /* Of the request awaiting a reply. */
    int backoff;                /* Current reconnection delay, in ms. */
    long long int reconnect_at;
    bool lost;                  /* Connection lost since it was active. */

    /* Work to do. */
    bool check_flows;           /* The flow table needs a look... */
    const char *why;            /* ...because of this. */
    long long int check_at;     /* Not before this time. */
    int retry;                  /* Delay after a failed check, in ms. */
    long long int aliases_at;   /* Next look at "lo". */
    bool stopped_warned;        /* Warned that the state file is empty. */

    /* The flows of ovs-l3dsr as last built, to tell which flow updates
     * matter. */
    struct l3dsr_flows wanted;

    bool exiting;
};

/* Why the flows were found missing or different. */
#define WHY_STARTED "missing after start"
#define WHY_RECONNECTED "missing after reconnecting: ovs-vswitchd restarted?"
#define WHY_DELETED "deleted by another OpenFlow client"
#define WHY_MODIFIED "changed by another OpenFlow client"
#define WHY_RESUMED "changed while the flow monitor was paused"
#define WHY_RELOADED "missing after reload"
#define WHY_PORT "a port came, went or changed"

static struct latch hup_latch;

static void
hup_handler(int sig OVS_UNUSED)
{
    latch_set(&hup_latch);
}

/* Messages that ovs-l3dsr's "start" or a change prints on stdout and
 * stderr, where a daemon has no terminal, go to the log instead. */
struct capture {
    FILE *file;
    int saved[2];
};

static void
capture_begin(struct capture *c)
{
    fflush(stdout);
    fflush(stderr);
    c->file = tmpfile();
    if (c->file) {
        for (int fd = 1; fd <= 2; fd++) {
            c->saved[fd - 1] = dup(fd);
            dup2(fileno(c->file), fd);
        }
    }
}

static void
capture_end(struct capture *c, enum vlog_level level)
{
    struct ds line = DS_EMPTY_INITIALIZER;

    if (!c->file) {
        return;
    }
    fflush(stdout);
    fflush(stderr);
    for (int fd = 1; fd <= 2; fd++) {
        dup2(c->saved[fd - 1], fd);
        close(c->saved[fd - 1]);
    }
    rewind(c->file);
    while (!ds_get_line(&line, c->file)) {
        vlog(&this_module, level, "%s", ds_cstr(&line));
    }
    ds_destroy(&line);
    fclose(c->file);
}

static void
set_wanted(struct watch *w, const struct l3dsr_flows *flows)
{
    l3dsr_flows_destroy(w->wanted.flows, w->wanted.n);
    w->wanted.flows = xmalloc(flows->n * sizeof *w->wanted.flows);
    w->wanted.n = flows->n;
    for (size_t i = 0; i < flows->n; i++) {
        w->wanted.flows[i] = l3dsr_flow_clone(flows->flows[i]);
    }
}

/* Reads the configuration into 'w->conf'.  Returns true if it is valid. */
static bool
read_conf(struct watch *w)
{
    struct l3dsr_conf conf;

    l3dsr_conf_init(&conf);
    l3dsr_conf_read(&conf, w->opts->conf_file, w->opts->conf_dir,
                    w->opts->servers_dir);
    if (!l3dsr_conf_is_valid(&conf)) {
        l3dsr_conf_destroy(&conf);
        return false;
    }
    l3dsr_conf_destroy(&w->conf);
    w->conf = conf;
    return true;
}

static void
monitor_close(struct watch *w)
{
    vconn_close(w->mon);
    w->mon = NULL;
    w->state = MON_DOWN;
}

/* Finds the bridge of the flows, as "start" does: -b, or the only one that
 * the state file names.  Reconnects the flow monitor if it changed. */
static void
find_bridge(struct watch *w)
{
    struct l3dsr_state state;
    const char *name;
    char *error;

    l3dsr_state_init(&state);
    error = l3dsr_state_read(w->opts->state_file, &state);
    if (error) {
        VLOG_WARN("%s", error);
        free(error);
    }
    name = l3dsr_state_pick_bridge(&state, w->opts->bridge);
    if (!nullable_string_is_equal(name, w->bridge)) {
        monitor_close(w);
        free(w->bridge);
        free(w->target);
        w->bridge = nullable_xstrdup(name);
        w->target = name ? l3dsr_bridge_target(name) : NULL;
        w->backoff = MIN_BACKOFF;
        w->reconnect_at = 0;
        w->lost = false;
        if (name) {
            VLOG_INFO("following the flow table of %s", name);
        }
    }
    l3dsr_state_destroy(&state);
}

/* Returns true if the state file 'state' names bridge 'br', by its
 * datapath ID, so that a bridge reached under another name (-b) is the same
 * bridge, or by name if the state file does not know the ID (an older
 * state file). */
static bool
bridge_is_owned(const struct l3dsr_state *state,
                const struct l3dsr_bridge *br)
{
    for (size_t i = 0; i < state->bridges.n; i++) {
        uint64_t dpid = state->dpids[i];

        if (dpid ? dpid == br->dpid
            : !strcmp(state->bridges.names[i], br->name)) {
            return true;
        }
    }
    return false;
}

/* A flow of ovs-l3dsr that another client modified may have lost the
 * cookie on the way (mod-flows without "cookie=" sets it to 0).  The rules
 * that ovs-l3dsr installed stay its own, so that such a flow is replaced
 * like any other changed flow, rather than refused as someone else's
 * (which "start" does for a rule that it finds taken). */
static void
reclaim_rules(const struct watch *w, struct l3dsr_bridge *br)
{
    for (size_t i = 0; i < br->n_flows; i++) {
        struct l3dsr_flow *flow = br->flows[i];

        for (size_t j = 0; j < w->wanted.n; j++) {
            if (l3dsr_flow_same_rule(flow, w->wanted.flows[j])) {
                flow->cookie = w->wanted.flows[j]->cookie;
            }
        }
    }
}

/* Returns true if 'm' matches one input port, and stores it in '*port'. */
static bool
match_in_port(const struct match *m, ofp_port_t *port)
{
    *port = m->flow.in_port.ofp_port;
    return m->wc.masks.in_port.ofp_port == u16_to_ofp(UINT16_MAX);
}

/* Returns true if 'flow', a flow that ovs-l3dsr owns and no longer wants,
 * is one of its flows left behind by a port that changed its number: it
 * matches an input port other than that of the flows wanted, which all
 * have the same (--in-port).  Such a flow must go, since the old number
 * may come to stand for another port. */
static bool
is_stale_in_port(const struct watch *w, const struct l3dsr_flow *flow)
{
    ofp_port_t port, wanted_port;

    return (w->wanted.n
            && match_in_port(&flow->match, &port)
            && (!match_in_port(&w->wanted.flows[0]->match, &wanted_port)
                || port != wanted_port));
}

/* Plans into 'plan' what puts back what ovs-l3dsr owns: from "start"'s own
 * plan, the flows of the bridge ('br', if nonnull) that are missing or
 * differ, built with the cookie and the options that the state file records
 * (those of the last "start", which may not be the watch's own), the flows
 * of a port number gone stale (is_stale_in_port()), and the VIPs that the
 * state file says ovs-l3dsr added to "lo" and that are gone from it.
 * Sysctls and other removals are "start"'s business, not the watch's.
 * Returns NULL if successful, otherwise a malloc()'d error message. */
static char *
plan_repairs(struct watch *w, const struct l3dsr_state *state,
             struct l3dsr_view *view, struct l3dsr_bridge *br,
             struct l3dsr_plan *plan)
{
    struct l3dsr_flows flows = { .flows = NULL };
    struct l3dsr_flow_options options;
    struct svec unreachable;
    char *error;
    int retval;

    retval = l3dsr_lo_get_addrs(&view->lo, &view->lo_mapped6);
    if (retval) {
        return xasprintf("cannot read the addresses of lo (%s)",
                         ovs_strerror(retval));
    }
    w->opts->flow_options(state, &options);
    if (br) {
        error = l3dsr_build_flows(&w->conf, br, &options, &flows);
        if (error) {
            l3dsr_flows_destroy(flows.flows, flows.n);
            return error;
        }
        set_wanted(w, &flows);
    }

    struct l3dsr_plan_input in = {
        .conf = &w->conf,
        .view = view,
        .target = br,
        .unreachable = &unreachable,
    };
    struct l3dsr_plan start;
    struct l3dsr_state after;

    svec_init(&unreachable);
    l3dsr_plan_init(&start);
    l3dsr_state_init(&after);
    error = l3dsr_plan_start(&in, state, flows.flows, flows.n, &start,
                             &after);
    for (size_t i = 0; !error && i < start.n; i++) {
        const struct l3dsr_change *c = &start.changes[i];
        if ((c->type == L3DSR_ADD_FLOW && c->br == br)
            || (c->type == L3DSR_DEL_FLOW && c->br == br
                && is_stale_in_port(w, c->flow))
            || (c->type == L3DSR_ADD_ALIAS
                && l3dsr_addrs_contains(&state->aliases, &c->addr))) {
            struct l3dsr_plan one = { .changes = CONST_CAST(
                                          struct l3dsr_change *, c),
                                      .n = 1 };
            l3dsr_plan_append(plan, &one);
        }
    }
    l3dsr_state_destroy(&after);
    l3dsr_plan_destroy(&start);
    svec_destroy(&unreachable);
    l3dsr_flows_destroy(flows.flows, flows.n);
    return error;
}

/* Applies 'plan' and logs what it did.  Returns true if successful. */
static bool
apply_repairs(struct watch *w, const struct l3dsr_plan *plan)
{
    struct l3dsr_apply_options options = { .verbose = false };
    size_t n_flows = 0, n_replaced = 0, n_removed = 0;
    struct capture capture;
    sigset_t block, prev;
    bool rolled_back;
    bool ok;

    /* A fatal signal in the middle would leave half of the flows. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &prev);
    capture_begin(&capture);
    ok = l3dsr_plan_apply(plan, &options, &rolled_back);
    capture_end(&capture, VLL_WARN);
    sigprocmask(SIG_SETMASK, &prev, NULL);

    for (size_t i = 0; i < plan->n; i++) {
        const struct l3dsr_change *c = &plan->changes[i];
        if (c->type == L3DSR_ADD_ALIAS) {
            struct ds s = DS_EMPTY_INITIALIZER;
            l3dsr_format_alias(&c->addr, &s);
            if (ok) {
                VLOG_WARN("VIP %s vanished from lo: restored", ds_cstr(&s));
            } else {
                VLOG_WARN("VIP %s vanished from lo: restoring it failed",
                          ds_cstr(&s));
            }
            ds_destroy(&s);
        } else if (c->type == L3DSR_DEL_FLOW) {
            n_removed++;
        } else {
            n_flows++;
            n_replaced += c->old_flow != NULL;
        }
    }
    if (n_removed && ok) {
        VLOG_INFO("removed %"PRIuSIZE" flow%s on %s that matched the old "
                  "number of the input port", n_removed,
                  n_removed > 1 ? "s" : "", w->bridge);
    }
    if (n_flows && ok) {
        VLOG_INFO("reinstalled %"PRIuSIZE" flow%s on %s (%s)", n_flows,
                  n_flows > 1 ? "s" : "", w->bridge,
                  (n_replaced == n_flows ? WHY_MODIFIED
                   : w->why ? w->why : WHY_DELETED));
    } else if (n_flows) {
        VLOG_WARN("reinstalling %"PRIuSIZE" flow%s on %s failed: retrying",
                  n_flows, n_flows > 1 ? "s" : "", w->bridge);
    }
    return ok;
}

/* Checks what ovs-l3dsr owns: the VIPs on "lo", and the flows too if
 * 'flows'; puts back what is missing.  The state file is locked only if
 * something must change, so that the watch seldom gets in the way of
 * "ovs-l3dsr start" or "stop".  Returns true if everything is in place,
 * false to try again later. */
static bool
check(struct watch *w, bool flows, bool locked)
{
    struct l3dsr_bridge *br = NULL;
    struct l3dsr_state state;
    struct l3dsr_view view;
    struct l3dsr_plan plan;
    char *error;
    bool ok = true;

    l3dsr_state_init(&state);
    l3dsr_view_init(&view);
    l3dsr_plan_init(&plan);

    error = l3dsr_state_read(w->opts->state_file, &state);
    if (error) {
        goto out;
    }
    if (l3dsr_state_is_empty(&state)) {
        /* "ovs-l3dsr stop" ran: nothing is ovs-l3dsr's any more. */
        if (!w->stopped_warned) {
            VLOG_WARN("%s: the state file says that ovs-l3dsr is stopped: "
                      "nothing to keep in place", w->opts->state_file);
            w->stopped_warned = true;
        }
        goto out;
    }
    w->stopped_warned = false;

    if (flows && w->bridge) {
        error = l3dsr_bridge_open(w->bridge, &br);
        if (error) {
            goto out;
        }
        view.bridges = xmalloc(sizeof *view.bridges);
        view.bridges[view.n_bridges++] = br;
        if (!bridge_is_owned(&state, br)) {
            /* Not, or no longer, the bridge of the flows. */
            br = NULL;
        } else {
            error = l3dsr_bridge_dump(br);
            if (error) {
                goto out;
            }
            reclaim_rules(w, br);
        }
    }

    error = plan_repairs(w, &state, &view, br, &plan);
    if (error || !plan.n) {
        goto out;
    }
    if (!locked) {
        struct lockfile *lock;
        int retval = lockfile_lock(w->opts->state_file, &lock);

        if (retval) {
            /* Another ovs-l3dsr is changing the host: look again later. */
            VLOG_DBG("%s: cannot lock (%s)", w->opts->state_file,
                     ovs_strerror(retval));
            ok = false;
            goto out;
        }
        /* What is in place may have changed before the lock: again. */
        ok = check(w, flows, true);
        lockfile_unlock(lock);
        goto out;
    }
    ok = apply_repairs(w, &plan);

out:
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 60);
        VLOG_WARN_RL(&rl, "%s", error);
        free(error);
        ok = false;
    }
    l3dsr_plan_destroy(&plan);
    l3dsr_view_destroy(&view);
    l3dsr_state_destroy(&state);
    return ok;
}

/* Returns true if flow update 'u' may concern the flows of ovs-l3dsr. */
static bool
update_is_relevant(const struct watch *w, const struct ofputil_flow_update *u)
{
    struct l3dsr_flow flow = { .cookie = u->cookie };

    if (l3dsr_flow_is_owned(&flow)) {
        return true;
    }
    for (size_t i = 0; i < w->wanted.n; i++) {
        const struct l3dsr_flow *f = w->wanted.flows[i];
        if (f->table_id == u->table_id && f->priority == u->priority
            && match_equal(&f->match, &u->match)) {
            return true;
        }
    }
    return !w->wanted.n;
}

static void
handle_updates(struct watch *w, struct ofpbuf *msg)
{
    struct ofpbuf ofpacts;

    ofpbuf_init(&ofpacts, 0);
    for (;;) {
        struct ofputil_flow_update u;
        int retval = ofputil_decode_flow_update(&u, msg, &ofpacts);

        if (retval == EOF) {
            break;
        } else if (retval) {
            VLOG_WARN("%s: bad flow update (%s): checking all flows",
                      w->bridge, ofperr_to_string(retval));
            w->check_flows = true;
            break;
        }
        if ((u.event == OFPFME_ADDED || u.event == OFPFME_REMOVED
             || u.event == OFPFME_MODIFIED) && update_is_relevant(w, &u)) {
            if (!w->check_flows || !w->why) {
                w->why = (u.event == OFPFME_REMOVED ? WHY_DELETED
                          : WHY_MODIFIED);
            }
            w->check_flows = true;
        }
    }
    ofpbuf_uninit(&ofpacts);
}

static void
monitor_lost(struct watch *w, int error)
{
    if (w->state == MON_ACTIVE) {
        VLOG_WARN("%s: connection to the switch lost (%s): reconnecting",
                  w->bridge, error == EOF ? "closed" : ovs_strerror(error));
        w->lost = true;
        w->backoff = MIN_BACKOFF;
    } else {
        w->backoff = MIN(w->backoff * 2, MAX_BACKOFF);
    }
    monitor_close(w);
    w->reconnect_at = time_msec() + w->backoff;
}

/* Sends 'msg' on the monitor connection, with 'xid' for the reply to wait
 * for if nonnull.  Returns true if successful. */
static bool
monitor_send(struct watch *w, struct ofpbuf *msg, ovs_be32 *xid)
{
    int error;

    ofpmsg_update_length(msg);
    if (xid) {
        *xid = ((struct ofp_header *) msg->data)->xid;
    }
    error = vconn_send(w->mon, msg);
    if (error) {
        ofpbuf_delete(msg);
        monitor_lost(w, error);
        return false;
    }
    return true;
}

/* The switch sends a service connection, such as the watch's, no port
 * status unless it has a nonzero miss_send_len, which OFPT_SET_CONFIG
 * sets along with the bridge's fragment handling: the watch first reads
 * the configuration, to give the fragment handling back unchanged. */
static void
monitor_send_get_config(struct watch *w)
{
    struct ofpbuf *msg = ofpraw_alloc(OFPRAW_OFPT_GET_CONFIG_REQUEST,
                                      OFP10_VERSION, 0);
    if (monitor_send(w, msg, &w->mon_xid)) {
        w->state = MON_CONFIG;
    }
}

/* Asks for port status messages, and only those: the watch follows the
 * ports because flows with --in-port name one by its number, which changes
 * when the port is added again. */
static bool
monitor_send_async_config(struct watch *w, const struct ofp_header *reply)
{
    struct ofputil_switch_config config;
    struct ofputil_async_cfg ac;

    ofputil_decode_get_config_reply(reply, &config);
    config.miss_send_len = OFP_DEFAULT_MISS_SEND_LEN;
    config.invalid_ttl_to_controller = -1;
    memset(&ac, 0, sizeof ac);
    ac.primary[OAM_PORT_STATUS] = ((1u << OFPPR_ADD) | (1u << OFPPR_DELETE)
                                   | (1u << OFPPR_MODIFY));
    return (monitor_send(w, ofputil_encode_set_config(&config,
                                                      OFP10_VERSION), NULL)
            && monitor_send(w, ofputil_encode_set_async_config(
                                &ac, 1u << OAM_PORT_STATUS, OFP10_VERSION),
                            NULL));
}

static void
monitor_send_request(struct watch *w)
{
    struct ofputil_flow_monitor_request fmr = {
        .id = 1,
        .flags = OFPFMF_ADD | OFPFMF_REMOVED | OFPFMF_MODIFY,
        .out_port = OFPP_NONE,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    struct ofpbuf *msg = ofpbuf_new(0);

    match_init_catchall(&fmr.match);
    ofputil_append_flow_monitor_request(&fmr, msg, OFPUTIL_P_OF10_STD);
    if (monitor_send(w, msg, &w->mon_xid)) {
        w->state = MON_REQUESTED;
    }
}

static void
monitor_handle(struct watch *w, struct ofpbuf *msg)
{
    const struct ofp_header *oh = msg->data;
    enum ofptype type;

    if (ofptype_decode(&type, oh)) {
        return;
    }
    switch ((int) type) {
    case OFPTYPE_ECHO_REQUEST: {
        struct ofpbuf *reply = ofputil_encode_echo_reply(oh);
        if (vconn_send(w->mon, reply)) {
            ofpbuf_delete(reply);
        }
        break;
    }

    case OFPTYPE_GET_CONFIG_REPLY:
        if (w->state == MON_CONFIG && oh->xid == w->mon_xid
            && monitor_send_async_config(w, oh)) {
            monitor_send_request(w);
        }
        break;

    case OFPTYPE_PORT_STATUS:
        if (w->state == MON_ACTIVE) {
            w->check_flows = true;
            w->why = WHY_PORT;
        }
        break;

    case OFPTYPE_FLOW_MONITOR_STATS_REPLY:
        if (w->state == MON_REQUESTED && oh->xid == w->mon_xid) {
            /* Changes from now on are reported: look at the table. */
            w->state = MON_ACTIVE;
            w->backoff = MIN_BACKOFF;
            w->check_flows = true;
            w->why = w->lost ? WHY_RECONNECTED : WHY_STARTED;
            if (w->lost) {
                VLOG_INFO("%s: reconnected", w->bridge);
            }
        }
        handle_updates(w, msg);
        break;

    case OFPTYPE_FLOW_MONITOR_PAUSED:
        VLOG_WARN("%s: flow monitor paused by the switch", w->bridge);
        break;

    case OFPTYPE_FLOW_MONITOR_RESUMED:
        w->check_flows = true;
        w->why = WHY_RESUMED;
        break;

    case OFPTYPE_ERROR: {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 60);
        enum ofperr error = ofperr_decode_msg(oh, NULL);
        VLOG_WARN_RL(&rl, "%s: the switch refused the flow monitor (%s)",
                     w->bridge, error ? ofperr_to_string(error) : "?");
        monitor_lost(w, EPROTO);
        break;
    }

    default:
        break;
    }
}

static void
monitor_run(struct watch *w)
{
    int error;

    if (!w->target) {
        return;
    }
    if (!w->mon) {
        if (time_msec() < w->reconnect_at) {
            return;
        }
        error = vconn_open(w->target, 1u << OFP10_VERSION, DSCP_DEFAULT,
                           &w->mon);
        if (error) {
            w->mon = NULL;
            monitor_lost(w, error);
            return;
        }
        w->state = MON_CONNECTING;
    }

    vconn_run(w->mon);
    if (w->state == MON_CONNECTING) {
        error = vconn_connect(w->mon);
        if (error == EAGAIN) {
            return;
        } else if (error) {
            monitor_lost(w, error);
            return;
        }
        monitor_send_get_config(w);
    }
    for (int i = 0; w->mon && i < 50; i++) {
        struct ofpbuf *msg;

        error = vconn_recv(w->mon, &msg);
        if (error == EAGAIN) {
            break;
        } else if (error) {
            monitor_lost(w, error);
            break;
        }
        monitor_handle(w, msg);
        ofpbuf_delete(msg);
    }
}

static void
monitor_wait(struct watch *w)
{
    if (!w->target) {
        return;
    } else if (!w->mon) {
        poll_timer_wait_until(w->reconnect_at);
    } else {
        vconn_run_wait(w->mon);
        if (w->state == MON_CONNECTING) {
            vconn_connect_wait(w->mon);
        } else {
            vconn_recv_wait(w->mon);
        }
    }
}

/* Does what "ovs-l3dsr start" does.  Returns true if successful. */
static bool
run_start(struct watch *w)
{
    struct capture capture;
    bool ok;

    capture_begin(&capture);
    ok = w->opts->start();
    capture_end(&capture, ok ? VLL_INFO : VLL_WARN);
    if (ok && !read_conf(w)) {
        VLOG_WARN("the configuration changed while it was read: "
                  "keeping the previous one");
    }
    return ok;
}

static void
reload(struct watch *w, struct unixctl_conn *conn)
{
    VLOG_INFO("reloading the configuration");
    if (run_start(w)) {
        find_bridge(w);
        w->check_flows = true;
        w->why = WHY_RELOADED;
        w->check_at = 0;
        VLOG_INFO("configuration reloaded");
        if (conn) {
            unixctl_command_reply(conn, NULL);
        }
    } else {
        VLOG_WARN("reload failed: the flows and VIPs stay as they were");
        if (conn) {
            unixctl_command_reply_error(conn, "reload failed: the flows and "
                                        "VIPs stay as they were (see the "
                                        "log)");
        }
    }
}

static void
watch_unixctl_reload(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *w_)
{
    reload(w_, conn);
}

static void
watch_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *w_)
{
    struct watch *w = w_;

    w->exiting = true;
    unixctl_command_reply(conn, NULL);
}

static void
log_flows_stay(void *aux OVS_UNUSED)
{
    VLOG_INFO("exiting: the flows and VIPs stay in place (\"ovs-l3dsr stop\" "
              "removes them)");
}

/* Runs "ovs-l3dsr watch".  Returns its exit status. */
int
l3dsr_watch_main(const struct l3dsr_watch_options *opts)
{
    struct unixctl_server *server;
    struct watch w;
    int error;

    /* The tool logs only warnings; the daemon says what it does, also on
     * the console when it stays in the foreground (as under systemd). */
    vlog_set_levels(&this_module, VLF_FILE, VLL_INFO);
    vlog_set_levels(&this_module, VLF_SYSLOG, VLL_INFO);
    if (!get_detach()) {
        vlog_set_levels(&this_module, VLF_CONSOLE, VLL_INFO);
    }
    /* A state file locked by a running "ovs-l3dsr start" or "stop" is
     * expected: the check waits and tries again. */
    vlog_set_levels(vlog_module_from_name("lockfile"), VLF_ANY_DESTINATION,
                    VLL_ERR);

    memset(&w, 0, sizeof w);
    w.opts = opts;
    l3dsr_conf_init(&w.conf);
    w.backoff = MIN_BACKOFF;

    /* SIGHUP reloads, as for other daemons.  fatal-signal leaves alone a
     * signal whose handler is not the default one. */
    latch_init(&hup_latch);
    signal(SIGHUP, hup_handler);
    fatal_signal_init();
    fatal_signal_add_hook(log_flows_stay, NULL, NULL, false);

    l3dsr_daemonize_start();
    error = unixctl_server_create(opts->unixctl_path, &server);
    if (error) {
        ovs_fatal(error, "failed to create unixctl server");
    }
    unixctl_command_register("exit", "", 0, 0, watch_unixctl_exit, &w);
    unixctl_command_register("reload", "", 0, 0, watch_unixctl_reload, &w);

    if (!run_start(&w)) {
        VLOG_ERR("start failed: not watching");
        unixctl_server_destroy(server);
        return EXIT_FAILURE;
    }
    find_bridge(&w);
    daemonize_complete();
    VLOG_INFO("started");

    while (!w.exiting) {
        long long int now;

        if (latch_poll(&hup_latch)) {
            reload(&w, NULL);
        }
        unixctl_server_run(server);
        monitor_run(&w);

        now = time_msec();
        bool aliases = now >= w.aliases_at;
        /* The flows wait for the monitor: once it is active again, it
         * asks for a check anyway. */
        bool flows = w.check_flows && w.state == MON_ACTIVE;
        if ((aliases || flows) && now >= w.check_at) {
            if (check(&w, flows, false)) {
                if (flows) {
                    w.check_flows = false;
                    w.why = NULL;
                }
                w.retry = 0;
            } else {
                w.retry = (w.retry ? MIN(w.retry * 2, MAX_RETRY)
                           : MIN_RETRY);
                w.check_at = now + w.retry;
            }
            w.aliases_at = now + ALIAS_INTERVAL;
        }

        monitor_wait(&w);
        unixctl_server_wait(server);
        latch_wait(&hup_latch);
        poll_timer_wait_until(w.aliases_at);
        if (w.check_flows && w.state == MON_ACTIVE) {
            poll_timer_wait_until(w.check_at);
        }
        if (w.exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }

    log_flows_stay(NULL);
    monitor_close(&w);
    unixctl_server_destroy(server);
    l3dsr_flows_destroy(w.wanted.flows, w.wanted.n);
    l3dsr_conf_destroy(&w.conf);
    free(w.bridge);
    free(w.target);
    return EXIT_SUCCESS;
}
