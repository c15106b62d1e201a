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

/* Robustness test of the set_daddr_on_dscp datapath action.
 *
 * Reads lines "HEX MINLEN" from standard input (tests/l3dsr-pkt.py
 * robustness): a well-formed IP packet and the length of its shortest
 * truncation that the action may rewrite.  Runs the action, with an entry for
 * every DSCP, on every truncation of each packet and on random mutations of
 * its first bytes.  Each packet lives in a buffer of exactly its size, so
 * that any read or write past its end is a heap overflow that valgrind (or
 * AddressSanitizer) reports.  Checks that truncations shorter than MINLEN
 * come out unchanged and longer ones rewritten.  Prints a summary line. */

#include <config.h>
#undef NDEBUG
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daddr-on-dscp.h"
#include "dp-packet.h"
#include "flow.h"
#include "odp-daddr-on-dscp.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "ovstest.h"
#include "random.h"
#include "util.h"

/* Runs the action in 'actions' on a copy of the 'size' bytes at 'data' in a
 * buffer of exactly 'size' bytes.  Returns true if the packet changed. */
static bool
run_action(const struct nlattr *action, const uint8_t *data, size_t size)
{
    struct dp_packet *packet = dp_packet_new(size);
    struct dp_packet_batch batch;
    struct flow flow;
    bool changed;

    dp_packet_put(packet, data, size);
    ovs_assert(dp_packet_tailroom(packet) == 0);
    flow_extract(packet, &flow);

    dp_packet_batch_init_packet(&batch, packet);
    odp_daddr_on_dscp_execute(&batch, action);
    changed = memcmp(dp_packet_data(packet), data, size) != 0;
    dp_packet_delete(packet);
    return changed;
}

static void
test_l3dsr_packets_main(int argc, char *argv[])
{
    struct ofpact_set_daddr_on_dscp map;
    struct ofpbuf actions, packet;
    char line[65536];
    int n_packets = 0, n_runs = 0, n_changed = 0;

    /* Every DSCP of both families has an entry, 192.0.2.N or fd00::N, which
     * no test packet has as destination, so that every well-formed IP packet
     * gets rewritten. */
    memset(&map, 0, sizeof map);
    map.ipv4_dscps = map.ipv6_dscps = UINT64_MAX;
    for (int i = 0; i < DADDR_ON_DSCP_N; i++) {
        map.ipv4[i] = htonl(0xc0000200 + i);
        map.ipv6[i].s6_addr[0] = 0xfd;
        map.ipv6[i].s6_addr[15] = i;
    }
    ofpbuf_init(&actions, 0);
    odp_daddr_on_dscp_put(&map, &actions);

    random_set_seed(argc > 1 ? atoi(argv[1]) : 1);
    ofpbuf_init(&packet, 0);
    while (fgets(line, sizeof line, stdin)) {
        const uint8_t *data;
        const char *tail;
        unsigned int min_len;

        /* ofpbuf_put_hex() skips spaces, so split off MINLEN first. */
        tail = strchr(line, ' ');
        if (!tail || sscanf(tail, "%u", &min_len) != 1) {
            ovs_fatal(0, "bad input line: %s", line);
        }
        line[tail - line] = '\0';
        ofpbuf_clear(&packet);
        ofpbuf_put_hex(&packet, line, NULL);
        data = packet.data;
        n_packets++;

        for (size_t len = 0; len <= packet.size; len++) {
            bool changed = run_action(actions.data, data, len);

            if (changed != (len >= min_len)) {
                ovs_fatal(0, "packet %d truncated to %"PRIuSIZE" bytes: %s",
                          n_packets, len, changed ? "rewritten" : "unchanged");
            }
            n_changed += changed;
            n_runs++;
        }

        uint8_t *copy = xmemdup(data, packet.size);
        for (int i = 0; i < 2000; i++) {
            memcpy(copy, data, packet.size);
            for (int j = random_range(4) + 1; j > 0; j--) {
                size_t ofs = random_range(MIN(packet.size, 96));
                copy[ofs] = random_uint8();
            }
            run_action(actions.data, copy, random_range(packet.size) + 1);
            n_runs++;
        }
        free(copy);
    }
    ofpbuf_uninit(&packet);
    ofpbuf_uninit(&actions);

    printf("%d packets, %d runs, %d truncations rewritten\n",
           n_packets, n_runs, n_changed);
}

OVSTEST_REGISTER("test-l3dsr-packets", test_l3dsr_packets_main);
