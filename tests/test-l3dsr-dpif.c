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

/* "ovstest test-l3dsr-dpif": sends flows with hand-made, possibly malformed
 * OVS_ACTION_ATTR_SET_DADDR_ON_DSCP and OVS_ACTION_ATTR_HMARK attributes to a
 * datapath, as raw netlink
 * attributes that no parser would produce, and reports what the datapath
 * answers.  The kernel system tests use it to check that the Linux datapath
 * refuses every malformed form.
 *
 *   batch DPIF           reads lines "LABEL|KEY|ACTION..." from standard
 *                        input, puts a flow with each into DPIF (e.g.
 *                        system@ovs-system), deletes it again if accepted,
 *                        and prints
 *                        "LABEL: accepted" or "LABEL: refused: REASON".  KEY
 *                        is ipv4, ipv6 or arp (flows of 10.1.1.1/fc00::1 to
 *                        10.1.1.2/fc00::2); each space-separated ACTION is
 *                        "attr:V4:V6:LEN" (a set_daddr_on_dscp attribute
 *                        whose bitmaps are V4 and V6 and whose argument is
 *                        LEN bytes long, the bytes after the bitmaps being
 *                        just a pattern), "clone:V4:V6:LEN" (that attribute
 *                        inside clone()), "hmark:LEN:MOD:FLAGS" (an hmark
 *                        attribute of LEN bytes, with modulus MOD and flags
 *                        FLAGS), "push_mpls:ETHERTYPE" and
 *                        "pop_mpls:ETHERTYPE" (which Open vSwitch's datapath
 *                        action parser does not read) or "odp:ACTIONS"
 *                        (datapath actions in text, without spaces)
 *   fuzz DPIF N SEED     puts N flows with random set_daddr_on_dscp
 *                        attributes, alternately on an IPv4 and an IPv6 flow,
 *                        and checks that the datapath accepts exactly those
 *                        that userspace's own check accepts.  Prints a
 *                        summary; exits with status 1 on any disagreement. */

#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "dpif.h"
#include "netlink.h"
#include "odp-daddr-on-dscp.h"
#include "odp-netlink.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovstest.h"
#include "random.h"
#include "util.h"

static const char ipv4_key[] =
    "in_port(1),eth(src=f0:00:00:00:00:01,dst=f0:00:00:00:00:02),"
    "eth_type(0x0800),ipv4(src=10.1.1.1,dst=10.1.1.2,proto=17,tos=0x4,"
    "ttl=64,frag=no),udp(src=1234,dst=80)";
static const char ipv6_key[] =
    "in_port(1),eth(src=f0:00:00:00:00:01,dst=f0:00:00:00:00:02),"
    "eth_type(0x86dd),ipv6(src=fc00::1,dst=fc00::2,label=0,proto=17,"
    "tclass=0x28,hlimit=64,frag=no),udp(src=1234,dst=80)";

static const char arp_key[] =
    "in_port(1),eth(src=f0:00:00:00:00:01,dst=f0:00:00:00:00:02),"
    "eth_type(0x0806),arp(sip=10.1.1.1,tip=10.1.1.2,op=1,"
    "sha=f0:00:00:00:00:01,tha=00:00:00:00:00:00)";

/* Appends to 'b' an OVS_ACTION_ATTR_SET_DADDR_ON_DSCP attribute with bitmaps
 * 'v4' and 'v6' and an argument of 'len' bytes. */
static void
put_attr(struct ofpbuf *b, uint64_t v4, uint64_t v6, size_t len)
{
    uint8_t *arg = xzalloc(len + 16);

    memcpy(arg, &v4, 8);
    memcpy(arg + 8, &v6, 8);
    for (size_t i = 16; i < len; i++) {
        arg[i] = i;
    }
    nl_msg_put_unspec(b, OVS_ACTION_ATTR_SET_DADDR_ON_DSCP, arg, len);
    free(arg);
}

/* Appends to 'b' an OVS_ACTION_ATTR_HMARK attribute of 'len' bytes: a struct
 * ovs_action_hmark that hashes everything, with 'modulus' and 'flags', cut
 * short or followed by zeros. */
static void
put_hmark(struct ofpbuf *b, size_t len, uint32_t modulus, uint16_t flags)
{
    struct ovs_action_hmark hmark;
    uint8_t *arg = xzalloc(MAX(len, sizeof hmark));

    memset(&hmark, 0, sizeof hmark);
    memset(&hmark.src_mask, 0xff, sizeof hmark.src_mask);
    memset(&hmark.dst_mask, 0xff, sizeof hmark.dst_mask);
    hmark.port_mask = OVS_BE32_MAX;
    hmark.proto_mask = UINT16_MAX;
    hmark.modulus = modulus;
    hmark.flags = flags;
    memcpy(arg, &hmark, sizeof hmark);
    nl_msg_put_unspec(b, OVS_ACTION_ATTR_HMARK, arg, len);
    free(arg);
}

static void
parse_key(const char *s, struct ofpbuf *key, struct ofpbuf *mask)
{
    char *error = NULL;

    if (odp_flow_from_string(s, NULL, key, mask, &error)) {
        ovs_fatal(0, "%s: %s", s, error ? error : "bad flow");
    }
    free(error);
}

static struct dpif *
open_dpif(const char *name)
{
    char *dp_name, *dp_type;
    struct dpif *dpif;
    int error;

    dp_parse_name(name, &dp_name, &dp_type);
    error = dpif_open(dp_name, dp_type, &dpif);
    if (error) {
        ovs_fatal(error, "%s: cannot open datapath", name);
    }
    free(dp_name);
    free(dp_type);
    return dpif;
}

/* Puts a flow with 'key' and 'actions' into 'dpif'; deletes it again if the
 * datapath accepted it.  Returns 0 or the datapath's errno value. */
static int
try_put(struct dpif *dpif, const struct ofpbuf *key, const struct ofpbuf *mask,
        const struct ofpbuf *actions)
{
    int error = dpif_flow_put(dpif, DPIF_FP_CREATE | DPIF_FP_MODIFY,
                              key->data, key->size, mask->data, mask->size,
                              actions->data, actions->size, NULL, PMD_ID_NULL,
                              NULL);
    if (!error) {
        dpif_flow_del(dpif, key->data, key->size, NULL, PMD_ID_NULL, NULL);
    }
    return error;
}

/* Appends to 'b' the actions that 'token' describes (see "batch" above). */
static void
put_token(struct ofpbuf *b, const char *token)
{
    if (!strncmp(token, "odp:", 4)) {
        int error = odp_actions_from_string(token + 4, NULL, b);

        if (error) {
            ovs_fatal(error, "%s: cannot parse", token);
        }
        return;
    }
    if (!strncmp(token, "push_mpls:", 10)) {
        struct ovs_action_push_mpls mpls = {
            .mpls_lse = htonl(0x1140),      /* Label 1, BoS, TTL 64. */
            .mpls_ethertype = htons(strtoul(token + 10, NULL, 0)),
        };

        nl_msg_put_unspec(b, OVS_ACTION_ATTR_PUSH_MPLS, &mpls, sizeof mpls);
        return;
    }
    if (!strncmp(token, "pop_mpls:", 9)) {
        nl_msg_put_be16(b, OVS_ACTION_ATTR_POP_MPLS,
                        htons(strtoul(token + 9, NULL, 0)));
        return;
    }

    /* "attr:V4:V6:LEN", "clone:V4:V6:LEN" or "hmark:LEN:MOD:FLAGS". */
    char *copy = xstrdup(token);
    char *save_ptr = NULL;
    char *kind = strtok_r(copy, ":", &save_ptr);
    char *v4 = strtok_r(NULL, ":", &save_ptr);
    char *v6 = strtok_r(NULL, ":", &save_ptr);
    char *len = strtok_r(NULL, ":", &save_ptr);
    bool clone = kind && !strcmp(kind, "clone");

    if (len && !strcmp(kind, "hmark")) {
        put_hmark(b, strtoul(v4, NULL, 0), strtoul(v6, NULL, 0),
                  strtoul(len, NULL, 0));
        free(copy);
        return;
    }
    if (!len || (!clone && strcmp(kind, "attr"))) {
        ovs_fatal(0, "%s: unknown action", token);
    }
    size_t ofs = clone ? nl_msg_start_nested(b, OVS_ACTION_ATTR_CLONE) : 0;
    put_attr(b, strtoull(v4, NULL, 0), strtoull(v6, NULL, 0),
             strtoul(len, NULL, 0));
    if (clone) {
        nl_msg_end_nested(b, ofs);
    }
    free(copy);
}

static void
do_batch(struct ovs_cmdl_context *ctx)
{
    struct dpif *dpif = open_dpif(ctx->argv[1]);
    char line[1024];

    while (fgets(line, sizeof line, stdin)) {
        struct ofpbuf key, mask, actions;
        char *save_ptr = NULL;
        char *label, *key_name, *token;
        const char *key_s;
        int error;

        line[strcspn(line, "\n")] = '\0';
        label = strtok_r(line, "|", &save_ptr);
        key_name = strtok_r(NULL, "|", &save_ptr);
        if (!label || !key_name) {
            continue;
        }
        key_s = (!strcmp(key_name, "ipv4") ? ipv4_key
                 : !strcmp(key_name, "ipv6") ? ipv6_key
                 : !strcmp(key_name, "arp") ? arp_key
                 : NULL);
        if (!key_s) {
            ovs_fatal(0, "%s: unknown flow key", key_name);
        }

        ofpbuf_init(&key, 0);
        ofpbuf_init(&mask, 0);
        ofpbuf_init(&actions, 0);
        parse_key(key_s, &key, &mask);
        while ((token = strtok_r(NULL, " |", &save_ptr))) {
            put_token(&actions, token);
        }

        error = try_put(dpif, &key, &mask, &actions);
        if (error) {
            printf("%s: refused: %s\n", label, ovs_strerror(error));
        } else {
            printf("%s: accepted\n", label);
        }
        ofpbuf_uninit(&actions);
        ofpbuf_uninit(&mask);
        ofpbuf_uninit(&key);
    }
    dpif_close(dpif);
}

/* Returns true if userspace's own code for the datapath action takes the
 * set_daddr_on_dscp attribute 'attr' as well formed: its formatter prints
 * an error instead of the map for anything else. */
static bool
userspace_accepts(const struct nlattr *attr)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    bool valid;

    odp_daddr_on_dscp_format(attr, &s);
    valid = !strstr(ds_cstr(&s), "<error");
    ds_destroy(&s);
    return valid;
}

/* Returns a random bitmap of DSCPs: empty, all 64, or a few random ones. */
static uint64_t
random_dscps(void)
{
    uint32_t r = random_range(8);
    uint64_t dscps = 0;

    if (r == 0) {
        return 0;
    } else if (r == 1) {
        return UINT64_MAX;
    }
    for (int n = random_range(4); n >= 0; n--) {
        dscps |= UINT64_C(1) << random_range(64);
    }
    return dscps;
}

static void
do_fuzz(struct ovs_cmdl_context *ctx)
{
    char **argv = ctx->argv;
    struct dpif *dpif = open_dpif(argv[1]);
    int n = atoi(argv[2]);
    struct ofpbuf key4, mask4, key6, mask6, actions;
    int accepted = 0, refused = 0, mismatches = 0;

    random_set_seed(strtoul(argv[3], NULL, 0));
    /* Each refusal logs a warning: keep the output to the summary. */
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);

    ofpbuf_init(&key4, 0);
    ofpbuf_init(&mask4, 0);
    ofpbuf_init(&key6, 0);
    ofpbuf_init(&mask6, 0);
    ofpbuf_init(&actions, 0);
    parse_key(ipv4_key, &key4, &mask4);
    parse_key(ipv6_key, &key6, &mask6);

    for (int i = 0; i < n; i++) {
        uint64_t v4 = random_dscps();
        uint64_t v6 = random_dscps();
        int len = 16 + 4 * count_1bits(v4) + 16 * count_1bits(v6);
        bool ipv6 = i % 2;

        /* Half the attributes have the right length, the others are off by
         * a little, or cut anywhere. */
        switch (random_range(4)) {
        case 0:
            len = random_range(len + 1);
            break;
        case 1:
            len = MAX(0, len + (int) random_range(41) - 20);
            break;
        }

        ofpbuf_clear(&actions);
        put_attr(&actions, v4, v6, len);
        if (random_range(4) == 0) {
            nl_msg_put_u32(&actions, OVS_ACTION_ATTR_OUTPUT, 2);
        }

        bool valid = userspace_accepts(actions.data);
        int error = try_put(dpif, ipv6 ? &key6 : &key4,
                            ipv6 ? &mask6 : &mask4, &actions);

        if (!error) {
            accepted++;
        } else {
            refused++;
        }
        if (valid ? error != 0 : error != EINVAL) {
            struct ds s = DS_EMPTY_INITIALIZER;

            format_odp_actions(&s, actions.data, actions.size, NULL);
            printf("mismatch: %s flow, %d-byte argument "
                   "(v4=%#"PRIx64" v6=%#"PRIx64"): userspace says %s, "
                   "datapath says %s: %s\n",
                   ipv6 ? "IPv6" : "IPv4", len, v4, v6,
                   valid ? "valid" : "invalid",
                   error ? ovs_strerror(error) : "accepted", ds_cstr(&s));
            ds_destroy(&s);
            mismatches++;
        }
    }
    printf("%d flows: %d accepted, %d refused, %d mismatches\n",
           n, accepted, refused, mismatches);

    ofpbuf_uninit(&actions);
    ofpbuf_uninit(&mask6);
    ofpbuf_uninit(&key6);
    ofpbuf_uninit(&mask4);
    ofpbuf_uninit(&key4);
    dpif_close(dpif);
    exit(mismatches ? 1 : 0);
}

static const struct ovs_cmdl_command commands[] = {
    {"batch", "DPIF", 1, 1, do_batch, OVS_RW},
    {"fuzz", "DPIF N SEED", 3, 3, do_fuzz, OVS_RW},
    {NULL, NULL, 0, 0, NULL, OVS_RO},
};

static void
test_l3dsr_dpif_main(int argc, char *argv[])
{
    struct ovs_cmdl_context ctx = {
        .argc = argc - 1,
        .argv = argv + 1,
    };

    set_program_name(argv[0]);
    ovs_cmdl_run_command(&ctx, commands);
}

OVSTEST_REGISTER("test-l3dsr-dpif", test_l3dsr_dpif_main);
