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

/* Tests of the hmark action's algorithm.
 *
 *   ovstest test-hmark mark 'OPTIONS'
 *       Reads Ethernet frames in hex, one a line, from standard input and
 *       prints, for each, the mark that hmark(OPTIONS) gives it on the
 *       datapath (or "unchanged") and the one that translation computes
 *       from its flow (or "unchanged", or "packet" if the flow does not
 *       hold what the mark depends on).
 *
 *   ovstest test-hmark bench [N]
 *       Prints the time per packet of the hmark datapath action and of
 *       Open vSwitch's "hash" datapath action (as the select groups and
 *       bonds of the userspace datapath use it), executed N times (default
 *       200000) on the same batch of 32 TCP packets, in the same run. */

#include <config.h>
#undef NDEBUG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "flow.h"
#include "hmark.h"
#include "hmark-xlate.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-hmark.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "ovstest.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

/* Parses 'options' as the inside of "hmark(...)", or exits. */
static void
parse_options(const char *options, struct ofpbuf *ofpacts)
{
    char *copy = xstrdup(options);
    char *error = hmark_parse(copy, ofpacts);

    free(copy);
    if (error) {
        ovs_fatal(0, "%s", error);
    }
}

static void
cmd_mark(const char *options)
{
    struct ofpbuf ofpacts;
    struct ovs_action_hmark p;
    struct ds line = DS_EMPTY_INITIALIZER;

    ofpbuf_init(&ofpacts, 0);
    parse_options(options, &ofpacts);
    hmark_to_odp(ofpacts.data, &p);

    while (!ds_get_line(&line, stdin)) {
        struct flow_wildcards wc;
        struct dp_packet *packet;
        struct flow flow;
        const char *why;
        uint32_t mark;

        if (eth_from_hex(ds_cstr(&line), &packet)) {
            ovs_fatal(0, "bad hex packet: %s", ds_cstr(&line));
        }
        flow_extract(packet, &flow);

        if (hmark_packet(&p, packet, &mark)) {
            printf("%"PRIu32, mark);
        } else {
            printf("unchanged");
        }

        flow_wildcards_init_catchall(&wc);
        switch (hmark_flow(&p, &flow, &wc, &mark, &why)) {
        case HMARK_VALUE:
            printf(" %"PRIu32"\n", mark);
            break;
        case HMARK_UNCHANGED:
            printf(" unchanged\n");
            break;
        case HMARK_NEEDS_PACKET:
            printf(" packet\n");
            break;
        default:
            OVS_NOT_REACHED();
        }
        dp_packet_delete(packet);
    }
    ds_destroy(&line);
    ofpbuf_uninit(&ofpacts);
}

/* Executes 'actions' 'n' times on 'batch' and returns the time per
 * packet, in ns.  With 'reset_rss', the packets' RSS hashes are
 * invalidated before each execution, as for packets whose NIC computed
 * none. */
static double
time_actions(struct dp_packet_batch *batch, const struct ofpbuf *actions,
             int n, bool reset_rss)
{
    struct dp_packet *packet;
    long long int start;

    /* Warm up. */
    odp_execute_actions(NULL, batch, false, actions->data, actions->size,
                        NULL);

    start = time_usec();
    for (int i = 0; i < n; i++) {
        if (reset_rss) {
            DP_PACKET_BATCH_FOR_EACH (j, packet, batch) {
                dp_packet_reset_offload(packet);
            }
        }
        odp_execute_actions(NULL, batch, false, actions->data, actions->size,
                            NULL);
    }
    return ((time_usec() - start) * 1e3
            / ((double) n * dp_packet_batch_size(batch)));
}

static void
cmd_bench(int n)
{
    static const char *const hmarks[] = {
        "tuple=src+dst+sport+dport+proto,rnd=0x12345678,mod=4,offset=100",
        "tuple=proto,src_prefix=24,dst_prefix=24,rnd=1,mod=4",
    };
    struct dp_packet_batch batch;
    struct ofpbuf actions;

    /* A batch of TCP packets of as many connections. */
    dp_packet_batch_init(&batch);
    for (int i = 0; i < NETDEV_MAX_BURST; i++) {
        struct dp_packet *packet;
        struct flow flow;
        char *hex;

        hex = xasprintf("505400000001" "505400000002" "0800"
                        "4500" "0028" "0000" "4000" "4006" "0000"
                        "c0a8%02x01" "c0a80002"
                        "%04x" "0050" "00000000" "00000000" "5002" "2000"
                        "0000" "0000", i, 32768 + i * 7);
        ovs_assert(!eth_from_hex(hex, &packet));
        free(hex);
        flow_extract(packet, &flow);
        dp_packet_batch_add(&batch, packet);
    }

    ofpbuf_init(&actions, 64);
    for (int i = 0; i < ARRAY_SIZE(hmarks); i++) {
        struct ofpbuf ofpacts;

        ofpbuf_init(&ofpacts, 0);
        parse_options(hmarks[i], &ofpacts);
        ofpbuf_clear(&actions);
        odp_hmark_put(ofpacts.data, &actions);
        printf("hmark(%s): %.1f ns/packet\n", hmarks[i],
               time_actions(&batch, &actions, n, false));
        ofpbuf_uninit(&ofpacts);
    }

    struct ovs_action_hash hash = { .hash_basis = 0x12345678 };
    static const struct {
        uint32_t alg;
        bool reset_rss;
        const char *name;
    } hashes[] = {
        { OVS_HASH_ALG_L4, false, "hash(l4), RSS hash already computed" },
        { OVS_HASH_ALG_L4, true, "hash(l4), no RSS hash" },
        { OVS_HASH_ALG_SYM_L4, false, "hash(sym_l4)" },
    };
    for (int i = 0; i < ARRAY_SIZE(hashes); i++) {
        hash.hash_alg = hashes[i].alg;
        ofpbuf_clear(&actions);
        nl_msg_put_unspec(&actions, OVS_ACTION_ATTR_HASH, &hash, sizeof hash);
        printf("%s: %.1f ns/packet\n", hashes[i].name,
               time_actions(&batch, &actions, n, hashes[i].reset_rss));
    }

    ofpbuf_uninit(&actions);
    dp_packet_delete_batch(&batch, true);
}

static void
test_hmark_main(int argc, char *argv[])
{
    if (argc == 3 && !strcmp(argv[1], "mark")) {
        cmd_mark(argv[2]);
    } else if ((argc == 2 || argc == 3) && !strcmp(argv[1], "bench")) {
        cmd_bench(argc == 3 ? atoi(argv[2]) : 200000);
    } else {
        ovs_fatal(0, "usage: %s mark OPTIONS | bench [N]", argv[0]);
    }
}

OVSTEST_REGISTER("test-hmark", test_hmark_main);
