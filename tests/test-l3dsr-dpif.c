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
 * OVS_ACTION_ATTR_SET_DADDR_ON_DSCP attributes to a datapath, as raw netlink
 * attributes that no parser would produce, and reports what the datapath
 * answers.  The kernel system tests use it to check that the Linux datapath
 * refuses every malformed form.
 *
 *   attr V4 V6 LEN       prints, in hex, a set_daddr_on_dscp attribute whose
 *                        bitmaps are V4 and V6 and whose argument is LEN bytes
 *                        long (the bytes after the bitmaps are just a
 *                        pattern)
 *   wrap TYPE HEX        prints HEX nested in an attribute of type TYPE, a
 *                        number or "clone"
 *   odp ACTIONS          prints datapath ACTIONS (text) in hex
 *   put DPIF KEY HEX     puts a flow with KEY (datapath flow text) and the
 *                        actions HEX into DPIF (e.g. system@ovs-system) and
 *                        prints "accepted" (deleting the flow again) or
 *                        "refused: REASON"
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

static void
print_hex(const struct ofpbuf *b)
{
    const uint8_t *p = b->data;

    for (size_t i = 0; i < b->size; i++) {
        printf("%02x", p[i]);
    }
    putchar('\n');
}

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

static void
parse_hex(const char *s, struct ofpbuf *b)
{
    size_t n;

    if (ofpbuf_put_hex(b, s, &n)[0] != '\0') {
        ovs_fatal(0, "%s: not a hex string", s);
    }
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

static void
do_attr(struct ovs_cmdl_context *ctx)
{
    char **argv = ctx->argv;
    struct ofpbuf b;

    ofpbuf_init(&b, 0);
    put_attr(&b, strtoull(argv[1], NULL, 0), strtoull(argv[2], NULL, 0),
             strtoul(argv[3], NULL, 0));
    print_hex(&b);
    ofpbuf_uninit(&b);
}

static void
do_wrap(struct ovs_cmdl_context *ctx)
{
    char **argv = ctx->argv;
    struct ofpbuf b, inner;

    ofpbuf_init(&b, 0);
    ofpbuf_init(&inner, 0);
    parse_hex(argv[2], &inner);
    nl_msg_put_unspec(&b, (!strcmp(argv[1], "clone")
                           ? OVS_ACTION_ATTR_CLONE : atoi(argv[1])),
                      inner.data, inner.size);
    print_hex(&b);
    ofpbuf_uninit(&inner);
    ofpbuf_uninit(&b);
}

static void
do_odp(struct ovs_cmdl_context *ctx)
{
    char **argv = ctx->argv;
    struct ofpbuf b;
    int error;

    ofpbuf_init(&b, 0);
    error = odp_actions_from_string(argv[1], NULL, &b);
    if (error) {
        ovs_fatal(error, "%s: cannot parse", argv[1]);
    }
    print_hex(&b);
    ofpbuf_uninit(&b);
}

static void
do_put(struct ovs_cmdl_context *ctx)
{
    char **argv = ctx->argv;
    struct ofpbuf key, mask, actions;
    struct dpif *dpif = open_dpif(argv[1]);
    int error;

    ofpbuf_init(&key, 0);
    ofpbuf_init(&mask, 0);
    ofpbuf_init(&actions, 0);
    parse_key(argv[2], &key, &mask);
    parse_hex(argv[3], &actions);

    error = try_put(dpif, &key, &mask, &actions);
    if (error) {
        printf("refused: %s\n", ovs_strerror(error));
    } else {
        printf("accepted\n");
    }

    ofpbuf_uninit(&actions);
    ofpbuf_uninit(&mask);
    ofpbuf_uninit(&key);
    dpif_close(dpif);
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

        const struct nlattr *attr = actions.data;
        bool valid = odp_daddr_on_dscp_is_valid(attr);
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
    {"attr", "V4 V6 LEN", 3, 3, do_attr, OVS_RO},
    {"wrap", "TYPE HEX", 2, 2, do_wrap, OVS_RO},
    {"odp", "ACTIONS", 1, 1, do_odp, OVS_RO},
    {"put", "DPIF KEY HEX", 3, 3, do_put, OVS_RW},
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
