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

/* Benchmark of the set_daddr_on_dscp datapath action ("make bench").
 *
 * Runs odp_execute_actions() over batches of 32 TCP packets whose DSCPs
 * cycle through 1 to 8, as the userspace datapath does: each round first
 * parses every packet with miniflow_extract(), which also sets the header
 * offsets the actions use, then executes the action list.  It measures, in
 * the same run:
 *
 *   (a) the set_daddr_on_dscp datapath action, entries for DSCPs 1 to 8;
 *   (b) the standard masked set(ipv4(dst=...)) or set(ipv6(dst=...)) that
 *       translation emits without the datapath action, for one DSCP;
 *   (c) an empty action list: the parsing alone.
 *
 * Rounds alternate between two sets of destinations, so that every action
 * really rewrites every packet instead of finding it already done.  Each
 * figure is the best of several repetitions. */

#include <config.h>
#undef NDEBUG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "daddr-on-dscp.h"
#include "dp-packet.h"
#include "flow.h"
#include "odp-daddr-on-dscp.h"
#include "odp-execute.h"
#include "netlink.h"
#include "odp-netlink.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "ovstest.h"
#include "packets.h"
#include "timeval.h"
#include "util.h"

#define BATCH 32
#define REPETITIONS 5

/* The two action lists of one variant; rounds alternate between them. */
struct variant {
    const char *name;
    struct ofpbuf actions[2];
};

/* Fills 'batch' with BATCH TCP packets for 'family' (4 or 6) to a real
 * server's address, DSCPs 1 to 8 in turn. */
static void
make_batch(struct dp_packet_batch *batch, int family)
{
    dp_packet_batch_init(batch);
    for (int i = 0; i < BATCH; i++) {
        struct dp_packet *p = dp_packet_new_with_headroom(128, 64);
        uint8_t dscp = i % 8 + 1;
        struct eth_header *eth = dp_packet_put_zeros(p, sizeof *eth);
        struct tcp_header *th;

        eth->eth_dst = (struct eth_addr) ETH_ADDR_C(50, 54, 00, 00, 00, 02);
        eth->eth_src = (struct eth_addr) ETH_ADDR_C(50, 54, 00, 00, 00, 01);
        if (family == 4) {
            struct ip_header *ip = dp_packet_put_zeros(p, sizeof *ip);

            eth->eth_type = htons(ETH_TYPE_IP);
            ip->ip_ihl_ver = IP_IHL_VER(5, 4);
            ip->ip_tos = dscp << 2;
            ip->ip_tot_len = htons(IP_HEADER_LEN + TCP_HEADER_LEN + 32);
            ip->ip_ttl = 64;
            ip->ip_proto = IPPROTO_TCP;
            put_16aligned_be32(&ip->ip_src, htonl(0x0a000001));
            put_16aligned_be32(&ip->ip_dst, htonl(0x0a000002));
            ip->ip_csum = csum(ip, sizeof *ip);
        } else {
            struct ovs_16aligned_ip6_hdr *ip6;

            ip6 = dp_packet_put_zeros(p, sizeof *ip6);
            eth->eth_type = htons(ETH_TYPE_IPV6);
            put_16aligned_be32(&ip6->ip6_flow,
                               htonl(0x60000000 | (dscp << 22)));
            ip6->ip6_plen = htons(TCP_HEADER_LEN + 32);
            ip6->ip6_nxt = IPPROTO_TCP;
            ip6->ip6_hlim = 64;
            ip6->ip6_src.be16[0] = htons(0xfc00);
            ip6->ip6_src.be16[7] = htons(1);
            ip6->ip6_dst.be16[0] = htons(0xfc00);
            ip6->ip6_dst.be16[7] = htons(2);
        }
        th = dp_packet_put_zeros(p, sizeof *th);
        th->tcp_src = htons(34567);
        th->tcp_dst = htons(80);
        th->tcp_ctl = TCP_CTL(TCP_ACK, 5);
        th->tcp_csum = htons(0x1234);
        dp_packet_put_zeros(p, 32);
        dp_packet_batch_add(batch, p);
    }
}

/* Returns the best ns per packet of running 'v' over 'n_rounds' rounds. */
static double
measure(struct variant *v, int family, int n_rounds)
{
    struct dp_packet_batch batch;
    double best = 1e9;
    struct {
        struct miniflow mf;
        uint64_t buf[FLOW_U64S];
    } key;

    make_batch(&batch, family);
    for (int rep = 0; rep < REPETITIONS; rep++) {
        long long int start = time_usec();

        for (int round = 0; round < n_rounds; round++) {
            const struct ofpbuf *actions = &v->actions[round & 1];
            struct dp_packet *packet;

            DP_PACKET_BATCH_FOR_EACH (i, packet, &batch) {
                miniflow_extract(packet, &key.mf);
            }
            odp_execute_actions(NULL, &batch, false, actions->data,
                                actions->size, NULL);
        }

        double ns = (time_usec() - start) * 1e3 / (n_rounds * BATCH);
        best = MIN(best, ns);
    }
    dp_packet_delete_batch(&batch, true);
    return best;
}

/* Appends to 'actions' a set_daddr_on_dscp for DSCPs 1 to 8 of 'family',
 * with destinations that depend on 'which'. */
static void
put_daddr_on_dscp(struct ofpbuf *actions, int family, int which)
{
    struct ofpact_set_daddr_on_dscp a;

    memset(&a, 0, sizeof a);
    for (int dscp = 1; dscp <= 8; dscp++) {
        if (family == 4) {
            a.ipv4_dscps |= UINT64_C(1) << dscp;
            a.ipv4[dscp] = htonl(0xc0000200 + which * 16 + dscp);
        } else {
            a.ipv6_dscps |= UINT64_C(1) << dscp;
            a.ipv6[dscp].s6_addr[0] = 0xfd;
            a.ipv6[dscp].s6_addr[14] = which;
            a.ipv6[dscp].s6_addr[15] = dscp;
        }
    }
    odp_daddr_on_dscp_put(&a, actions);
}

/* Appends to 'actions' the masked set action that translation emits for a
 * new destination when the datapath lacks set_daddr_on_dscp. */
static void
put_masked_set_dst(struct ofpbuf *actions, int family, int which)
{
    size_t offset = nl_msg_start_nested(actions, OVS_ACTION_ATTR_SET_MASKED);

    if (family == 4) {
        struct ovs_key_ipv4 *key;

        key = nl_msg_put_unspec_zero(actions, OVS_KEY_ATTR_IPV4,
                                     2 * sizeof *key);
        key[0].ipv4_dst = htonl(0xc0000200 + which * 16 + 1);
        key[1].ipv4_dst = OVS_BE32_MAX;
    } else {
        struct ovs_key_ipv6 *key;

        key = nl_msg_put_unspec_zero(actions, OVS_KEY_ATTR_IPV6,
                                     2 * sizeof *key);
        key[0].ipv6_dst.s6_addr[0] = 0xfd;
        key[0].ipv6_dst.s6_addr[14] = which;
        key[0].ipv6_dst.s6_addr[15] = 1;
        memset(&key[1].ipv6_dst, 0xff, sizeof key[1].ipv6_dst);
    }
    nl_msg_end_nested(actions, offset);
}

static void
bench_family(int family, int n_packets)
{
    int n_rounds = n_packets / BATCH;
    struct variant v[3] = {
        { .name = "(a) set_daddr_on_dscp" },
        { .name = family == 4 ? "(b) set(ipv4(dst))" : "(b) set(ipv6(dst))" },
        { .name = "(c) no action" },
    };
    double ns[3];

    for (int which = 0; which < 2; which++) {
        for (int i = 0; i < 3; i++) {
            ofpbuf_init(&v[i].actions[which], 64);
        }
        put_daddr_on_dscp(&v[0].actions[which], family, which);
        put_masked_set_dst(&v[1].actions[which], family, which);
    }

    for (int i = 0; i < 3; i++) {
        ns[i] = measure(&v[i], family, n_rounds);
        printf("IPv%d %-24s %8.1f ns/packet %8.2f Mpps\n",
               family, v[i].name, ns[i], 1e3 / ns[i]);
    }
    printf("IPv%d ratio a/b %.2f, a/c %.2f; action alone: a %.1f ns, "
           "b %.1f ns\n\n", family, ns[0] / ns[1], ns[0] / ns[2],
           ns[0] - ns[2], ns[1] - ns[2]);

    for (int i = 0; i < 3; i++) {
        for (int which = 0; which < 2; which++) {
            ofpbuf_uninit(&v[i].actions[which]);
        }
    }
}

static void
bench_l3dsr_main(int argc, char *argv[])
{
    int n_packets = argc > 1 ? atoi(argv[1]) : 4 * 1000 * 1000;

    /* Selects the action implementations, as ovs-vswitchd does. */
    odp_execute_init();
    printf("%d packets per figure, batches of %d, best of %d runs\n\n",
           n_packets, BATCH, REPETITIONS);
    bench_family(4, n_packets);
    bench_family(6, n_packets);
}

OVSTEST_REGISTER("bench-l3dsr", bench_l3dsr_main);
