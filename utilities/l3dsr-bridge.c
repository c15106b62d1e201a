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

#include "l3dsr-bridge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "dirs.h"
#include "l3dsr-flow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "socket-util.h"
#include "util.h"

/* How long to wait for a bridge to accept the connection, in ms. */
#define CONNECT_TIMEOUT 10000

/* Returns a malloc()'d message for OpenFlow error 'reply' from 'br'. */
static char *
reply_error(const struct l3dsr_bridge *br, const struct ofpbuf *reply)
{
    enum ofperr error = ofperr_decode_msg(reply->data, NULL);
    return xasprintf("%s: the switch refused (%s)", br->name,
                     error ? ofperr_to_string(error) : "unexpected reply");
}

/* Sends 'request' to 'br' and waits for an error reply, if any.  Returns
 * NULL if successful, otherwise a malloc()'d error message. */
static char *
transact_noreply(struct l3dsr_bridge *br, struct ofpbuf *request)
{
    struct ofpbuf *reply;
    int error;

    error = vconn_transact_noreply(br->vconn, request, &reply);
    if (error) {
        return xasprintf("%s: OpenFlow error (%s)", br->name,
                         ovs_strerror(error));
    } else if (reply) {
        char *msg = reply_error(br, reply);
        ofpbuf_delete(reply);
        return msg;
    }
    return NULL;
}

/* Makes 'br' use a flow format that can match on cookies: OpenFlow 1.0
 * needs Nicira extended match for that. */
static char *
set_protocol(struct l3dsr_bridge *br)
{
    enum ofputil_protocol want = (br->protocol == OFPUTIL_P_OF10_STD
                                  ? OFPUTIL_P_OF10_NXM : br->protocol);

    for (;;) {
        struct ofpbuf *request;
        enum ofputil_protocol next;
        char *error;

        request = ofputil_encode_set_protocol(br->protocol, want, &next);
        if (!request) {
            return NULL;
        }
        error = transact_noreply(br, request);
        if (error) {
            return error;
        }
        br->protocol = next;
    }
}

/* Reads the bridge's port names and numbers into 'br->port_map', so that
 * flows can name ports as ovs-ofctl does. */
static char *
read_ports(struct l3dsr_bridge *br)
{
    enum ofp_version version = vconn_get_version(br->vconn);
    struct ovs_list requests, replies;
    struct ofpbuf *reply;
    char *msg = NULL;
    int error;

    ovs_list_init(&requests);
    ovs_list_push_back(&requests,
                       &ofputil_encode_port_desc_stats_request(
                           version, OFPP_ANY)->list_node);
    error = vconn_transact_multipart(br->vconn, &requests, &replies);
    if (error) {
        return xasprintf("%s: cannot read the ports (%s)", br->name,
                         ovs_strerror(error));
    }

    LIST_FOR_EACH (reply, list_node, &replies) {
        struct ofputil_phy_port pp;
        enum ofptype type;

        if (ofptype_pull(&type, reply)
            || type != OFPTYPE_PORT_DESC_STATS_REPLY) {
            msg = xasprintf("%s: bad reply to a port description request",
                            br->name);
            break;
        }
        while (!ofputil_pull_phy_port(version, reply, &pp)) {
            ofputil_port_map_put(&br->port_map, pp.port_no, pp.name);
        }
    }
    ofpbuf_list_delete(&replies);
    return msg;
}

/* Reads the datapath ID of 'br' from the switch, which names the bridge
 * whatever way the user reached it (a bridge name, "tcp:...", "unix:..."). */
static char *
read_dpid(struct l3dsr_bridge *br)
{
    enum ofp_version version = vconn_get_version(br->vconn);
    struct ofputil_switch_features features;
    struct ofpbuf *request, *reply;
    enum ofperr ofperr;
    int error;

    request = ofpraw_alloc(OFPRAW_OFPT_FEATURES_REQUEST, version, 0);
    error = vconn_transact(br->vconn, request, &reply);
    if (error) {
        return xasprintf("%s: cannot read the datapath ID (%s)", br->name,
                         ovs_strerror(error));
    }
    ofperr = ofputil_pull_switch_features(reply, &features);
    ofpbuf_delete(reply);
    if (ofperr) {
        return xasprintf("%s: bad features reply (%s)", br->name,
                         ofperr_to_string(ofperr));
    }
    br->dpid = features.datapath_id;
    return NULL;
}

/* Returns the OpenFlow connection method, malloc()'d, for bridge 'name':
 * either a bridge name, whose management socket is in the Open vSwitch run
 * directory, or a connection method such as "unix:FILE" or "tcp:IP:PORT",
 * as for ovs-ofctl. */
char *
l3dsr_bridge_target(const char *name)
{
    return (strchr(name, ':')
            ? xstrdup(name)
            : xasprintf("unix:%s/%s.mgmt", ovs_rundir(), name));
}

/* Connects to bridge 'name', as l3dsr_bridge_target() says.  Returns NULL
 * and stores the connection in '*brp' if successful, otherwise a malloc()'d
 * error message. */
char *
l3dsr_bridge_open(const char *name, struct l3dsr_bridge **brp)
{
    struct l3dsr_bridge *br = xzalloc(sizeof *br);
    char *target;
    char *msg;
    int error;

    *brp = NULL;
    br->name = xstrdup(name);
    ofputil_port_map_init(&br->port_map);
    target = l3dsr_bridge_target(name);
    error = vconn_open_block(target, OFPUTIL_DEFAULT_VERSIONS, DSCP_DEFAULT,
                             CONNECT_TIMEOUT, &br->vconn);
    if (error) {
        msg = xasprintf("%s: cannot connect to %s (%s)%s", name, target,
                        ovs_strerror(error),
                        error == ENOENT || error == ECONNREFUSED
                        ? ": is ovs-vswitchd running, and is there such a "
                          "bridge?"
                        : error == EACCES || error == EPERM
                        ? ": the flows can be read only by root or a user "
                          "who may write to that socket" : "");
        free(target);
        l3dsr_bridge_close(br);
        return msg;
    }
    free(target);

    br->protocol = ofputil_protocol_from_ofp_version(
        vconn_get_version(br->vconn));
    msg = read_dpid(br);
    if (!msg) {
        msg = set_protocol(br);
    }
    if (!msg) {
        msg = read_ports(br);
    }
    if (msg) {
        l3dsr_bridge_close(br);
        return msg;
    }
    *brp = br;
    return NULL;
}

void
l3dsr_bridge_close(struct l3dsr_bridge *br)
{
    if (br) {
        vconn_close(br->vconn);
        ofputil_port_map_destroy(&br->port_map);
        l3dsr_flows_destroy(br->flows, br->n_flows);
        free(br->name);
        free(br);
    }
}

/* Orders flows by table, by descending priority, then by match, so that
 * ovs-l3dsr lists and changes them in an order that does not depend on the
 * switch. */
static int
compare_flows(const void *a_, const void *b_)
{
    const struct l3dsr_flow *a = *(struct l3dsr_flow *const *) a_;
    const struct l3dsr_flow *b = *(struct l3dsr_flow *const *) b_;

    if (a->table_id != b->table_id) {
        return a->table_id < b->table_id ? -1 : 1;
    } else if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;
    }

    char *sa = match_to_string(&a->match, NULL, OFP_DEFAULT_PRIORITY);
    char *sb = match_to_string(&b->match, NULL, OFP_DEFAULT_PRIORITY);
    int cmp = strcmp(sa, sb);
    free(sa);
    free(sb);
    return cmp;
}

/* Reads every flow of 'br', in every table, into 'br->flows'.  Returns NULL
 * if successful, otherwise a malloc()'d error message. */
char *
l3dsr_bridge_dump(struct l3dsr_bridge *br)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    struct ofputil_flow_stats *fses;
    size_t n_fses;
    int error;

    l3dsr_flows_destroy(br->flows, br->n_flows);
    br->flows = NULL;
    br->n_flows = 0;
    match_init_catchall(&fsr.match);
    error = vconn_dump_flows(br->vconn, &fsr, br->protocol, &fses, &n_fses);
    if (error) {
        return xasprintf("%s: cannot read the flows (%s)", br->name,
                         ovs_strerror(error));
    }

    struct l3dsr_flow **flows = xmalloc(n_fses * sizeof *flows);
    for (size_t i = 0; i < n_fses; i++) {
        const struct ofputil_flow_stats *fs = &fses[i];
        struct l3dsr_flow *flow = xzalloc(sizeof *flow);

        flow->table_id = fs->table_id;
        flow->priority = fs->priority;
        flow->match = fs->match;
        flow->cookie = fs->cookie;
        flow->ofpacts = CONST_CAST(struct ofpact *, fs->ofpacts);
        flow->ofpacts_len = fs->ofpacts_len;
        flow->n_packets = fs->packet_count;
        flow->n_bytes = fs->byte_count;
        flows[i] = flow;
    }
    free(fses);
    qsort(flows, n_fses, sizeof *flows, compare_flows);
    br->flows = flows;
    br->n_flows = n_fses;
    return NULL;
}

/* Returns the OpenFlow message that makes 'command' ('OFPFC_ADD' or
 * 'OFPFC_DELETE_STRICT') of 'flow' on 'br'. */
static struct ofpbuf *
encode_flow_mod(const struct l3dsr_bridge *br, const struct l3dsr_flow *flow,
                uint16_t command)
{
    struct ofputil_flow_mod fm = {
        .priority = flow->priority,
        .table_id = flow->table_id,
        .command = command,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
    };
    struct ofpbuf *request;

    if (command == OFPFC_ADD) {
        fm.new_cookie = flow->cookie;
        fm.ofpacts = flow->ofpacts;
        fm.ofpacts_len = flow->ofpacts_len;
    } else {
        fm.cookie = flow->cookie;
        fm.cookie_mask = OVS_BE64_MAX;
        fm.new_cookie = OVS_BE64_MAX;
    }
    minimatch_init(&fm.match, &flow->match);
    request = ofputil_encode_flow_mod(&fm, br->protocol);
    minimatch_destroy(&fm.match);
    return request;
}

static char *
flow_mod(struct l3dsr_bridge *br, const struct l3dsr_flow *flow,
         uint16_t command)
{
    return transact_noreply(br, encode_flow_mod(br, flow, command));
}

/* Adds 'flow' to 'br', replacing the flow of the same rule, if any.
 * Returns NULL if successful, otherwise a malloc()'d error message. */
char *
l3dsr_bridge_add_flow(struct l3dsr_bridge *br, const struct l3dsr_flow *flow)
{
    return flow_mod(br, flow, OFPFC_ADD);
}

/* Deletes from 'br' the flow of the rule of 'flow', if it has the cookie of
 * 'flow'.  Returns NULL if successful, otherwise a malloc()'d error
 * message. */
char *
l3dsr_bridge_del_flow(struct l3dsr_bridge *br, const struct l3dsr_flow *flow)
{
    return flow_mod(br, flow, OFPFC_DELETE_STRICT);
}

/* Makes, as one atomic and ordered OpenFlow bundle, the 'n' changes of
 * flows 'flows' on 'br': each one is added (replacing the flow of its rule)
 * if 'add[i]', otherwise deleted.  Either all of them are made, or none: no
 * packet ever meets half of them.  Returns NULL if successful, otherwise a
 * malloc()'d error message (and then nothing changed).
 *
 * Bundles need OpenFlow 1.3 (with Open vSwitch's extension) or later; on an
 * older connection the changes are made one by one. */
char *
l3dsr_bridge_change_flows(struct l3dsr_bridge *br,
                          const struct l3dsr_flow *const *flows,
                          const bool *add, size_t n)
{
    struct ovs_list requests, errors;
    char *msg = NULL;
    int error;

    if (vconn_get_version(br->vconn) < OFP13_VERSION) {
        for (size_t i = 0; !msg && i < n; i++) {
            msg = flow_mod(br, flows[i],
                           add[i] ? OFPFC_ADD : OFPFC_DELETE_STRICT);
        }
        return msg;
    }

    ovs_list_init(&requests);
    for (size_t i = 0; i < n; i++) {
        struct ofpbuf *request = encode_flow_mod(
            br, flows[i], add[i] ? OFPFC_ADD : OFPFC_DELETE_STRICT);
        ovs_list_push_back(&requests, &request->list_node);
    }
    error = vconn_bundle_transact(br->vconn, &requests,
                                  OFPBF_ATOMIC | OFPBF_ORDERED, &errors);
    if (!ovs_list_is_empty(&errors)) {
        struct ofpbuf *reply = CONTAINER_OF(ovs_list_front(&errors),
                                            struct ofpbuf, list_node);
        msg = reply_error(br, reply);
    } else if (error) {
        msg = xasprintf("%s: OpenFlow bundle failed (%s)", br->name,
                        ovs_strerror(error));
    }
    ofpbuf_list_delete(&errors);
    ofpbuf_list_delete(&requests);
    return msg;
}

/* Checks that the actions of 'flow' suit its match, as the switch would.
 * Returns NULL if so, otherwise a malloc()'d error message. */
char *
l3dsr_bridge_check_flow(const struct l3dsr_bridge *br,
                        struct l3dsr_flow *flow)
{
    struct ofpact_check_params cp = {
        .match = &flow->match,
        .max_ports = OFPP_MAX,
        .table_id = flow->table_id,
        .n_tables = 255,
    };
    enum ofperr error = ofpacts_check(flow->ofpacts, flow->ofpacts_len, &cp);

    if (!error && !(cp.usable_protocols & br->protocol)) {
        return xasprintf("%s: the flow's actions cannot be expressed in "
                         "the OpenFlow version of the connection", br->name);
    }
    return (error
            ? xasprintf("%s: invalid flow (%s)", br->name,
                        ofperr_to_string(error))
            : NULL);
}

/* Appends 'flow' to 's' as ovs-ofctl writes it, with port names. */
void
l3dsr_bridge_format_flow(const struct l3dsr_bridge *br,
                         const struct l3dsr_flow *flow, struct ds *s)
{
    struct ofpact_format_params fp = { .port_map = &br->port_map, .s = s };

    if (flow->table_id) {
        ds_put_format(s, "table=%"PRIu8", ", flow->table_id);
    }
    match_format(&flow->match, &br->port_map, s, flow->priority);
    ds_put_cstr(s, " actions=");
    ofpacts_format(flow->ofpacts, flow->ofpacts_len, &fp);
}
