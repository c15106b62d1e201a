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

/* ovs-l3dsr: the server side of L3DSR on an Open vSwitch bridge, configured
 * from dsrtools' dsr.conf files, as dsrctl does with iptables.  See
 * ovs-l3dsr(8). */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byte-order.h"
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "l3dsr-bridge.h"
#include "l3dsr-conf.h"
#include "l3dsr-flow.h"
#include "l3dsr-host.h"
#include "l3dsr-plan.h"
#include "l3dsr-start.h"
#include "l3dsr-state.h"
#include "l3dsr-status.h"
#include "l3dsr-view.h"
#include "l3dsr-watch.h"
#include "lockfile.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

/* Command-line options. */
static bool show_all;                   /* -a: Also what is not configured. */
static char *bridge_name;               /* -b: Bridge for the flows. */
static char *conf_dir = "/etc/dsr.d";   /* -d: Configuration directory. */
static bool conf_dir_given;             /* -d was given. */
static char *conf_file;                 /* -f: Configuration file. */
static char *servers_dir;               /* --servers: One file per server. */
static bool no_flows;                   /* --no-flows: Only "lo", sysctls. */
static bool dry_run;                    /* -n: Change nothing. */
static bool verbose;                    /* -v: Print the changes. */
static bool no_header;                  /* -x: No status header. */
static char *state_file;                /* --state-file. */
static bool json_format;                /* --format=json. */
static char *unixctl_path;              /* --unixctl (watch). */
static struct l3dsr_flow_options flow_options = {
    .priority = -1,                     /* --priority. */
    .then = NULL,                       /* --then. */
    .in_port = NULL,                    /* --in-port. */
};
static bool in_port_given;              /* --in-port, also "any". */

/* How long "start", "stop" and "restart" wait for the lock on the state
 * file that another ovs-l3dsr holds (a "watch" that repairs something holds
 * it for a moment), in milliseconds. */
#define LOCK_WAIT_MSEC 2000
#define LOCK_RETRY_MSEC 50

/* The flow options when neither the command line nor the state file gives
 * them. */
#define DEFAULT_PRIORITY 40000
#define DEFAULT_THEN "normal"

/* Everything one run of ovs-l3dsr knows. */
struct ctx {
    struct l3dsr_conf conf;
    struct l3dsr_state state;           /* As the state file says. */
    struct l3dsr_view view;             /* The host and its bridges. */
    struct l3dsr_bridge *target;        /* Bridge for the flows, or NULL. */
    struct l3dsr_flow_options flow_options; /* The command line's, completed
                                             * from 'state' ("start"). */
    struct svec unreachable;            /* Bridges that could not be read... */
    struct svec unreachable_errors;     /* ...and why. */
    struct lockfile *lock;
};

OVS_NO_RETURN static void usage(void);
static void parse_options(int argc, char *argv[]);

static void
ctx_init(struct ctx *ctx)
{
    l3dsr_conf_init(&ctx->conf);
    l3dsr_state_init(&ctx->state);
    l3dsr_view_init(&ctx->view);
    ctx->target = NULL;
    ctx->flow_options = flow_options;
    svec_init(&ctx->unreachable);
    svec_init(&ctx->unreachable_errors);
    ctx->lock = NULL;
}

static void
ctx_destroy(struct ctx *ctx)
{
    l3dsr_conf_destroy(&ctx->conf);
    l3dsr_state_destroy(&ctx->state);
    l3dsr_view_destroy(&ctx->view);
    svec_destroy(&ctx->unreachable);
    svec_destroy(&ctx->unreachable_errors);
    lockfile_unlock(ctx->lock);
}

static void
put_count(struct ds *s, size_t n, const char *what)
{
    if (n) {
        ds_put_format(s, "%s%"PRIuSIZE" %s%s", s->length ? ", " : "", n,
                      what, n > 1 ? "s" : "");
    }
}

/* Reads the configuration into 'ctx->conf' and reports its problems.
 * Returns true if it is valid.  As dsrctl, an invalid configuration is
 * reported with every problem, then "Aborting.", and the caller changes
 * nothing. */
static bool
load_conf(struct ctx *ctx)
{
    struct l3dsr_conf *conf = &ctx->conf;

    l3dsr_conf_read(conf, conf_file, conf_dir, servers_dir);
    fflush(stdout);
    if (conf->no_dir) {
        l3dsr_warn("cannot find the configuration directory (%s).  "
                   "Is dsrtools installed?", conf_dir);
    }
    for (size_t i = 0; i < conf->diags.n; i++) {
        fprintf(stderr, "%s\n", conf->diags.names[i]);
    }
    if (!l3dsr_conf_is_valid(conf)) {
        struct ds s = DS_EMPTY_INITIALIZER;

        put_count(&s, conf->n_invalid, "invalid line");
        put_count(&s, conf->n_conflicts, "DSCP conflict");
        put_count(&s, conf->n_unreadable, "read error");
        ovs_error(0, "invalid configuration (%s).  Aborting.", ds_cstr(&s));
        ds_destroy(&s);
        return false;
    }
    return true;
}

/* Makes the configuration of 'state' the owner of the flows that are built
 * and recognized as ovs-l3dsr's own.  A state file from before
 * configurations had cookies of their own owns the flows of the old
 * cookie. */
static void
set_owner(const struct l3dsr_state *state)
{
    l3dsr_flow_set_owner(state->cookie ? state->cookie : L3DSR_COOKIE);
}

/* Reads the state file into 'ctx->state'.  Returns true if successful. */
static bool
load_state(struct ctx *ctx)
{
    char *error = l3dsr_state_read(state_file, &ctx->state);
    if (error) {
        ovs_error(0, "%s", error);
        free(error);
        return false;
    }

    set_owner(&ctx->state);
    return true;
}

/* Chooses the cookie of a configuration that has none yet: the one of the
 * lowest owner number that no flow of ovs-l3dsr on 'br' has, so that a
 * first configuration keeps the cookie of older versions and the next ones
 * do not take the flows of those already there. */
static void
choose_cookie(struct ctx *ctx, const struct l3dsr_bridge *br)
{
    uint64_t cookie = L3DSR_COOKIE;

    if (ctx->state.cookie || !l3dsr_state_is_empty(&ctx->state)) {
        return;
    }
    for (bool used = true; used; cookie += used) {
        used = false;
        for (size_t i = 0; br && i < br->n_flows; i++) {
            used = used || ntohll(br->flows[i]->cookie) == cookie;
        }
    }
    ctx->state.cookie = cookie;
    l3dsr_flow_set_owner(cookie);
}

/* Returns 's', or "any" for NULL, to show an --in-port. */
static const char *
in_port_str(const char *s)
{
    return s ? s : "any";
}

/* Sets 'o' to the flow options 'given' on the command line ('given_in_port'
 * tells whether it gave --in-port), with those that it did not give taken
 * from 'state', else from the defaults, and prints each option that 'given'
 * changes from 'state', as "in_port: p1 -> any".  The strings of 'o' point
 * into 'given' and 'state'. */
static void
merge_flow_options(const struct l3dsr_state *state,
                   const struct l3dsr_flow_options *given, bool given_in_port,
                   struct l3dsr_flow_options *o)
{
    const struct l3dsr_state_options *old = &state->options;

    *o = *given;
    if (!state->has_options) {
        o->priority = o->priority < 0 ? DEFAULT_PRIORITY : o->priority;
        o->then = o->then ? o->then : DEFAULT_THEN;
        return;
    }

    if (!given_in_port) {
        o->in_port = old->in_port;
    } else if (!nullable_string_is_equal(o->in_port, old->in_port)) {
        printf("in_port: %s -> %s\n", in_port_str(old->in_port),
               in_port_str(o->in_port));
    }
    if (o->priority < 0) {
        o->priority = old->priority;
    } else if (o->priority != old->priority) {
        printf("priority: %d -> %d\n", old->priority, o->priority);
    }
    const char *old_then = old->then ? old->then : DEFAULT_THEN;
    if (!o->then) {
        o->then = old_then;
    } else if (strcmp(o->then, old_then)) {
        printf("then: %s -> %s\n", old_then, o->then);
    }
    fflush(stdout);
}

/* Locks the state file against other runs of ovs-l3dsr that change the
 * host, waiting up to LOCK_WAIT_MSEC for another one to let it go.  Returns
 * true if successful. */
static bool
lock_state(struct ctx *ctx)
{
    char *dir = dir_name(state_file);
    int error;

    if (mkdir(dir, 0755) && errno != EEXIST) {
        ovs_error(errno, "%s: cannot create directory for the state file",
                  dir);
        free(dir);
        return false;
    }
    free(dir);

    /* The lock module's own warnings would repeat ours on each try. */
    vlog_set_levels(vlog_module_from_name("lockfile"), VLF_ANY_DESTINATION,
                    VLL_ERR);
    long long int deadline = time_msec() + LOCK_WAIT_MSEC;
    while ((error = lockfile_lock(state_file, &ctx->lock)) == EAGAIN
           && time_msec() < deadline) {
        xnanosleep(LOCK_RETRY_MSEC * 1000 * 1000);
    }
    if (error) {
        ovs_error(error, "%s: cannot lock the state file%s", state_file,
                  error == EAGAIN ? " (is another ovs-l3dsr running?)" : "");
        return false;
    }
    return true;
}

/* Connects to bridge 'name' and reads all of its flows.  Returns the bridge,
 * or NULL after reporting the problem ('required') or noting the bridge as
 * unreachable. */
static struct l3dsr_bridge *
open_bridge(struct ctx *ctx, const char *name, bool required)
{
    struct l3dsr_view *view = &ctx->view;
    struct l3dsr_bridge *br;
    char *error;

    for (size_t i = 0; i < view->n_bridges; i++) {
        if (!strcmp(view->bridges[i]->name, name)) {
            return view->bridges[i];
        }
    }

    error = l3dsr_bridge_open(name, &br);
    if (!error) {
        error = l3dsr_bridge_dump(br);
        if (error) {
            l3dsr_bridge_close(br);
        }
    }
    if (error) {
        if (required) {
            ovs_error(0, "%s", error);
        } else {
            l3dsr_warn("%s", error);
            svec_add(&ctx->unreachable, name);
            svec_add(&ctx->unreachable_errors, error);
        }
        free(error);
        return NULL;
    }

    /* Another name of a bridge already open: the same bridge. */
    for (size_t i = 0; i < view->n_bridges; i++) {
        if (br->dpid && view->bridges[i]->dpid == br->dpid) {
            l3dsr_bridge_close(br);
            return view->bridges[i];
        }
    }

    view->bridges = xrealloc(view->bridges,
                             (view->n_bridges + 1) * sizeof *view->bridges);
    view->bridges[view->n_bridges++] = br;
    return br;
}

/* Opens the bridges that the state file says may hold flows of
 * ovs-l3dsr. */
static void
open_old_bridges(struct ctx *ctx)
{
    for (size_t i = 0; i < ctx->state.bridges.n; i++) {
        const char *name = ctx->state.bridges.names[i];
        uint64_t dpid = ctx->state.dpids[i];
        bool open = false;

        /* A bridge already open under another name (-b) is not reached
         * again by the name recorded, which may be stale. */
        for (size_t j = 0; j < ctx->view.n_bridges; j++) {
            open = open || (dpid && ctx->view.bridges[j]->dpid == dpid);
        }
        if (!open) {
            open_bridge(ctx, name, false);
        }
    }
}

/* Reads the addresses on "lo" into 'ctx->view'.  Returns true if
 * successful. */
static bool
read_lo(struct ctx *ctx)
{
    int error = l3dsr_lo_get_addrs(&ctx->view.lo, &ctx->view.lo_mapped6);
    if (error) {
        ovs_error(error, "cannot read the addresses of lo");
        return false;
    }
    return true;
}

/* Prints what 'plan' would do, for -n. */
static void
print_plan(const struct l3dsr_plan *plan)
{
    if (!plan->n) {
        printf("nothing to change\n");
    }
    for (size_t i = 0; i < plan->n; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;
        l3dsr_change_format(&plan->changes[i], &s);
        printf("would %s\n", ds_cstr(&s));
        ds_destroy(&s);
    }
}

/* Returns the value of the test hook OVS_L3DSR_FAIL_AT: N makes the Nth
 * change of the run fail, as if the kernel or the switch had refused it. */
static int
get_fail_at(void)
{
    const char *s = getenv("OVS_L3DSR_FAIL_AT");
    int n;

    return s && str_to_int(s, 10, &n) && n > 0 ? n : 0;
}

static bool
write_state(const struct l3dsr_state *state)
{
    char *error = l3dsr_state_write(state_file, state);
    if (error) {
        ovs_error(0, "%s", error);
        free(error);
        return false;
    }
    return true;
}

/* Carries out 'plan' for 'action'.  While the changes are made, the state
 * file names everything that ovs-l3dsr may own; then 'after', or again what
 * ovs-l3dsr owned before if the changes were rolled back.  Returns true if
 * successful. */
static bool
run_plan(struct ctx *ctx, const char *action, const struct l3dsr_plan *plan,
         const struct l3dsr_state *after)
{
    struct l3dsr_apply_options options = {
        .verbose = verbose,
        .fail_at = get_fail_at(),
    };
    struct l3dsr_state intent;
    sigset_t block, prev;
    bool rolled_back;
    bool ok;

    if (dry_run) {
        print_plan(plan);
        return true;
    }
    if (verbose && !plan->n) {
        printf("nothing to change\n");
    }

    l3dsr_state_clone(&intent, &ctx->state);
    l3dsr_state_union(&intent, after);
    if (!write_state(&intent)) {
        ovs_error(0, "%s failed: nothing changed", action);
        l3dsr_state_destroy(&intent);
        return false;
    }

    /* An interrupted run would leave a half-configured host. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGQUIT);
    sigprocmask(SIG_BLOCK, &block, &prev);

    ok = l3dsr_plan_apply(plan, &options, &rolled_back);
    if (ok) {
        ok = write_state(after);
    } else if (rolled_back) {
        write_state(&ctx->state);
        ovs_error(0, "%s failed: rolled back, nothing changed", action);
    } else {
        ovs_error(0, "%s failed and could not be rolled back completely; "
                  "%s lists what ovs-l3dsr may still own", action,
                  state_file);
    }

    sigprocmask(SIG_SETMASK, &prev, NULL);
    l3dsr_state_destroy(&intent);
    return ok;
}

/* Reads everything that "start", "stop" or "restart" needs, and checks it,
 * before anything changes.  Returns true if successful. */
static bool
prepare_change(struct ctx *ctx, const char *action, bool start,
               struct l3dsr_flows *flows)
{
    if (start && !load_conf(ctx)) {
        return false;
    }
    if (!dry_run && geteuid()) {
        ovs_error(0, "%s: must run as root (-n shows what it would do)",
                  action);
        return false;
    }
    if ((!dry_run && !lock_state(ctx)) || !load_state(ctx) || !read_lo(ctx)) {
        return false;
    }

    /* The bridge for the flows: -b, or the one used before.  With
     * --no-flows, none: the flows of an earlier start go. */
    const char *target = (no_flows ? NULL
                          : l3dsr_state_pick_bridge(&ctx->state,
                                                    bridge_name));
    if (target) {
        ctx->target = open_bridge(ctx, target, start);
        if (start && !ctx->target) {
            return false;
        }
    } else if (start && !no_flows && l3dsr_conf_has_l3(&ctx->conf)) {
        ovs_error(0, "L3DSR entries need a bridge for their flows: use "
                  "-b BRIDGE (or, on a server behind a hypervisor's "
                  "bridge, --no-flows)");
        return false;
    }
    open_old_bridges(ctx);

    if (start) {
        choose_cookie(ctx, ctx->target);
        merge_flow_options(&ctx->state, &flow_options, in_port_given,
                           &ctx->flow_options);

        char *error = l3dsr_build_flows(&ctx->conf, ctx->target,
                                        &ctx->flow_options, flows);
        if (error) {
            ovs_error(0, "%s", error);
            free(error);
            return false;
        }
    }
    return true;
}

/* "start", "stop" and "restart".  "restart" is planned as "start" is: as
 * the net difference between what is in place and what the configuration
 * asks for, so that an unchanged configuration changes nothing, and the
 * VIPs never go without their flows or their addresses. */
static int
do_change(const char *action)
{
    bool stop = !strcmp(action, "stop");
    bool start = !stop;
    struct l3dsr_flows flows = { .flows = NULL };
    struct ctx ctx;
    bool ok;

    ctx_init(&ctx);
    ok = prepare_change(&ctx, action, start, &flows);
    if (ok) {
        struct l3dsr_plan_input in = {
            .conf = &ctx.conf,
            .view = &ctx.view,
            .target = ctx.target,
            .unreachable = &ctx.unreachable,
        };
        struct l3dsr_state mid, after;
        struct l3dsr_plan plan;
        char *error = NULL;

        l3dsr_plan_init(&plan);
        l3dsr_state_init(&mid);
        l3dsr_state_init(&after);
        if (stop) {
            l3dsr_plan_stop(&in, &ctx.state, &plan, &mid);
            l3dsr_plan_simulate(&plan, &ctx.view);
        } else {
            l3dsr_state_union(&mid, &ctx.state);
        }
        if (start) {
            const struct l3dsr_flow_options *o = &ctx.flow_options;
            struct l3dsr_state_options options = {
                .in_port = CONST_CAST(char *, o->in_port),
                .priority = o->priority,
                .then = CONST_CAST(char *, o->then),
            };

            error = l3dsr_plan_start(&in, &mid, flows.flows, flows.n, &plan,
                                     &after);
            after.cookie = l3dsr_flow_get_owner();
            l3dsr_state_set_options(&after, &options);
        } else {
            l3dsr_state_union(&after, &mid);
        }
        if (error) {
            ovs_error(0, "%s: nothing changed", error);
            free(error);
            ok = false;
        } else {
            ok = run_plan(&ctx, action, &plan, &after);
        }
        l3dsr_plan_destroy(&plan);
        l3dsr_state_destroy(&mid);
        l3dsr_state_destroy(&after);

        /* A bridge that could not be reached may still hold flows. */
        if (ok && stop && ctx.unreachable.n) {
            ovs_error(0, "%s: cannot reach %s: its flows may still be "
                      "there and stay in %s (if the bridge can be reached "
                      "another way, give that with -b)", action,
                      ctx.unreachable.names[0], state_file);
            ok = false;
        }
    }

    l3dsr_flows_destroy(flows.flows, flows.n);
    ctx_destroy(&ctx);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Reads the state and what the host and the bridges hold now, for "status"
 * and "check", into 'ctx' and 'in'.  Returns true if everything could be
 * read. */
static bool
read_status(struct ctx *ctx, struct l3dsr_status_input *in)
{
    bool ok = load_state(ctx);

    ok = read_lo(ctx) && ok;
    if (no_flows) {
        /* A guest: no bridge to read. */
    } else if (bridge_name) {
        open_bridge(ctx, bridge_name, false);
    } else {
        open_old_bridges(ctx);
    }

    in->conf = &ctx->conf;
    in->view = &ctx->view;
    in->flows_unknown = (!no_flows
                         && (ctx->unreachable.n || !ctx->view.n_bridges));
    in->unreadable = &ctx->unreachable;
    in->bridge_errors = &ctx->unreachable_errors;
    in->read_ok = ok && !ctx->unreachable.n;
    in->no_flows = no_flows;
    if (ok && !no_flows && !ctx->view.n_bridges && !ctx->unreachable.n
        && l3dsr_conf_has_l3(&ctx->conf)) {
        l3dsr_warn("no bridge known: flows not checked (use -b BRIDGE)");
    }
    return ok && !ctx->unreachable.n;
}

/* "status --format=json": the same exit status as "status", and a JSON
 * document even if the configuration is invalid. */
static bool
print_status_json(struct ctx *ctx)
{
    struct l3dsr_status_input in = { .conf = NULL };
    bool ok;

    if (load_conf(ctx)) {
        read_status(ctx, &in);
    }
    char *s = l3dsr_status_json(&in, show_all, &ok);
    puts(s);
    free(s);
    return ok;
}

/* "status", with dsrctl's exit status: 0 whether or not the configured
 * DSRs are started, also if none is configured; 1 if the configuration is
 * invalid or the host or a bridge could not be read. */
static int
do_status(void)
{
    struct l3dsr_status_input in;
    struct ctx ctx;
    bool ok;

    ctx_init(&ctx);
    if (json_format) {
        ok = print_status_json(&ctx);
        ctx_destroy(&ctx);
        return ok ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    ok = load_conf(&ctx);
    if (ok && !ctx.conf.n_vips && !show_all) {
        printf("No configured DSRs found.\n");
    } else if (ok) {
        ok = read_status(&ctx, &in);
        ok = l3dsr_status_print(&in, show_all, !no_header) && ok;
    }
    ctx_destroy(&ctx);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* "check": one line, and dsrctl's exit status: 0 if every configured DSR is
 * started, 3 if some are or none is configured, 1 if none is started or the
 * configuration is invalid. */
static int
do_check(void)
{
    struct l3dsr_status_input in;
    struct ctx ctx;
    int status;

    ctx_init(&ctx);
    if (!load_conf(&ctx)) {
        printf("DSR configuration error discovered (see ovs-l3dsr "
               "show-config).\n");
        status = 1;
    } else if (!ctx.conf.n_vips) {
        printf("No configured DSRs found.\n");
        status = 3;
    } else {
        struct ds line = DS_EMPTY_INITIALIZER;
        read_status(&ctx, &in);
        status = l3dsr_check(&in, &line);
        printf("%s\n", ds_cstr(&line));
        ds_destroy(&line);
    }
    ctx_destroy(&ctx);
    return status;
}

/* "watch": "start", then a daemon that keeps it in place.  The daemon
 * changes to "/", so the names of files become absolute. */
static bool
watch_start(void)
{
    return do_change("start") == EXIT_SUCCESS;
}

/* "watch": the cookie and the flow options that 'state' records, to put
 * back the flows that "start" installed, as "start" without options would
 * build them. */
static void
watch_flow_options(const struct l3dsr_state *state,
                   struct l3dsr_flow_options *o)
{
    static const struct l3dsr_flow_options none = { .priority = -1 };

    set_owner(state);
    merge_flow_options(state, &none, false, o);
}

static int
do_watch(void)
{
    if (dry_run) {
        ovs_fatal(0, "watch: -n is not supported");
    }
    conf_file = conf_file ? abs_file_name(NULL, conf_file) : NULL;
    servers_dir = servers_dir ? abs_file_name(NULL, servers_dir) : NULL;
    conf_dir = abs_file_name(NULL, conf_dir);
    state_file = abs_file_name(NULL, state_file);

    struct l3dsr_watch_options options = {
        .servers_dir = servers_dir,
        .conf_file = conf_file,
        .conf_dir = conf_dir,
        .bridge = bridge_name,
        .state_file = state_file,
        .flow_options = watch_flow_options,
        .unixctl_path = unixctl_path,
        .start = watch_start,
    };
    return l3dsr_watch_main(&options);
}

/* "show-config": the entries as ovs-l3dsr reads them.  Exits with 0 if the
 * configuration is clean, 1 if it is invalid, 2 if an entry was written
 * twice. */
static int
do_show_config(void)
{
    struct ctx ctx;
    bool valid;

    ctx_init(&ctx);
    valid = load_conf(&ctx);
    for (size_t i = 0; i < ctx.conf.n_vips; i++) {
        const struct l3dsr_vip *vip = &ctx.conf.vips[i];
        struct ds s = DS_EMPTY_INITIALIZER;

        l3dsr_vip_format(vip, &s);
        if (vip->name) {
            ds_put_format(&s, " # %s", vip->name);
        }
        printf("%s:%d: %s %s\n", vip->file, vip->line,
               l3dsr_vip_is_l3(vip) ? "L3DSR" : "L2DSR", ds_cstr(&s));
        ds_destroy(&s);
    }
    int status = !valid ? 1 : ctx.conf.n_ignored ? 2 : 0;
    ctx_destroy(&ctx);
    return status;
}

int
main(int argc, char *argv[])
{
    int status;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    if (argc - optind != 1) {
        ovs_fatal(0, "one action expected: start, stop, restart, status, "
                  "check, show-config or watch (use --help for help)");
    }
    const char *action = argv[optind];
    if (!state_file) {
        state_file = xasprintf("%s/ovs-l3dsr.state", ovs_rundir());
    }

    if (!strcmp(action, "start") || !strcmp(action, "stop")
        || !strcmp(action, "restart")) {
        status = do_change(action);
    } else if (!strcmp(action, "status")) {
        status = do_status();
    } else if (!strcmp(action, "check")) {
        status = do_check();
    } else if (!strcmp(action, "show-config")) {
        status = do_show_config();
    } else if (!strcmp(action, "watch")) {
        status = do_watch();
    } else {
        ovs_fatal(0, "unknown action \"%s\" (use --help for help)", action);
    }
    return status;
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_IN_PORT = UCHAR_MAX + 1,
        OPT_PRIORITY,
        OPT_THEN,
        OPT_STATE_FILE,
        OPT_FORMAT,
        OPT_UNIXCTL,
        OPT_SERVERS,
        OPT_NO_FLOWS,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"all", no_argument, NULL, 'a'},
        {"bridge", required_argument, NULL, 'b'},
        {"dir", required_argument, NULL, 'd'},
        {"file", required_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"no-header", no_argument, NULL, 'x'},
        {"in-port", required_argument, NULL, OPT_IN_PORT},
        {"priority", required_argument, NULL, OPT_PRIORITY},
        {"then", required_argument, NULL, OPT_THEN},
        {"state-file", required_argument, NULL, OPT_STATE_FILE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"servers", required_argument, NULL, OPT_SERVERS},
        {"no-flows", no_argument, NULL, OPT_NO_FLOWS},
        /* VLOG_LONG_OPTIONS but -v, which is ovs-l3dsr's --verbose. */
        {"log-file", optional_argument, NULL, OPT_LOG_FILE},
        {"syslog-method", required_argument, NULL, OPT_SYSLOG_IMPL},
        {"syslog-target", required_argument, NULL, OPT_SYSLOG_TARGET},
        DAEMON_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case 'a':
            show_all = true;
            break;

        case 'b':
            bridge_name = optarg;
            break;

        case 'd':
            if (!*optarg) {
                ovs_fatal(0, "-d: directory name expected");
            }
            conf_dir = optarg;
            conf_dir_given = true;
            break;

        case 'f':
            conf_file = optarg;
            break;

        case 'n':
            dry_run = true;
            break;

        case 'v':
            verbose = true;
            break;

        case 'x':
            no_header = true;
            break;

        case OPT_IN_PORT:
            flow_options.in_port = strcasecmp(optarg, "any") ? optarg : NULL;
            in_port_given = true;
            break;

        case OPT_PRIORITY:
            if (!str_to_int(optarg, 10, &flow_options.priority)
                || flow_options.priority < 0
                || flow_options.priority > UINT16_MAX) {
                ovs_fatal(0, "--priority: \"%s\" is not a number between 0 "
                          "and 65535", optarg);
            }
            break;

        case OPT_THEN:
            flow_options.then = optarg;
            break;

        case OPT_STATE_FILE:
            state_file = optarg;
            break;

        case OPT_FORMAT:
            if (!strcmp(optarg, "json")) {
                json_format = true;
            } else if (!strcmp(optarg, "text")) {
                json_format = false;
            } else {
                ovs_fatal(0, "--format: \"%s\" is neither text nor json",
                          optarg);
            }
            break;

        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;

        case OPT_SERVERS:
            if (!*optarg) {
                ovs_fatal(0, "--servers: directory name expected");
            }
            servers_dir = optarg;
            break;

        case OPT_NO_FLOWS:
            no_flows = true;
            break;

        case OPT_LOG_FILE:
            if (vlog_set_log_file(optarg) && optarg) {
                exit(EXIT_FAILURE);
            }
            break;

        case OPT_SYSLOG_IMPL:
            vlog_set_syslog_method(optarg);
            break;

        case OPT_SYSLOG_TARGET:
            vlog_set_syslog_target(optarg);
            break;

        DAEMON_OPTION_HANDLERS

        case 'h':
            usage();

        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    if (servers_dir && (conf_file || conf_dir_given)) {
        ovs_fatal(0, "--servers reads the servers' entries only: it does not "
                  "go with -f or -d");
    } else if (servers_dir && no_flows) {
        ovs_fatal(0, "--servers and --no-flows: the servers' entries give "
                  "flows only, so there would be nothing to do");
    } else if (no_flows && bridge_name) {
        ovs_fatal(0, "--no-flows and -b: without flows there is no bridge "
                  "to use");
    }
}

static void
usage(void)
{
    printf("%s: L3DSR and L2DSR on an Open vSwitch bridge, from dsr.conf "
           "files\n"
           "usage: %s [OPTIONS] ACTION\n"
           "\nActions:\n"
           "  start        add the VIPs to lo, set the ARP sysctls, add "
           "the flows\n"
           "  stop         undo exactly what start did\n"
           "  restart      as start: change only what differs\n"
           "  status       show every VIP: alias, flow, counters\n"
           "  check        one line; exit 0 all started, 3 some, 1 none\n"
           "  show-config  show the entries as read, report problems\n"
           "  watch        start, then keep the flows and VIPs in place "
           "(daemon)\n"
           "\nOptions:\n"
           "  -a, --all              status: also show what is not "
           "configured\n"
           "  -b, --bridge=BRIDGE    bridge name or OpenFlow target "
           "(unix:FILE)\n"
           "  -d, --dir=DIR          read DIR/*.conf (default: /etc/dsr.d)\n"
           "  -f, --file=FILE        read FILE only\n"
           "  --servers=DIR          read DIR/RIP.conf: VIPs of servers "
           "behind the bridge\n"
           "  --no-flows             only lo and the sysctls, no bridge (a "
           "guest)\n"
           "  -n, --dry-run          print what would change, change "
           "nothing\n"
           "  -v, --verbose          print each change as it is made\n"
           "  -x, --no-header        status: no header line\n"
           "  --format=text|json     status: a table (default) or JSON\n"
           "  --in-port=PORT         rewrite only packets received on PORT "
           "(any: all)\n"
           "  --priority=N           priority of the flows (default: 40000)\n"
           "  --then=ACTIONS         actions after set_daddr_on_dscp "
           "(default: normal)\n"
           "  --state-file=FILE      state file (default: "
           "%s/ovs-l3dsr.state)\n"
           "  --unixctl=SOCKET       watch: control socket (for ovs-appctl)\n"
           "  --log-file[=FILE]      watch: log to FILE (default: "
           "%s/%s.log)\n"
           "  -h, --help             display this help message\n"
           "  -V, --version          display version information\n",
           program_name, program_name, ovs_rundir(), ovs_logdir(),
           program_name);
    daemon_usage();
    exit(EXIT_SUCCESS);
}
