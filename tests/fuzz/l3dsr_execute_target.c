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

/* libFuzzer target: the set_daddr_on_dscp and hmark datapath actions, with
 * fuzzer-chosen arguments, on fuzzer-chosen packets and metadata, through
 * odp_execute_actions() as the userspace datapath runs them.
 *
 * Input layout (tests/fuzz/make-corpus.py writes seeds in it):
 *
 *   byte 0      bits 0-1: packet type: 1 = IPv4 (PT_IPV4), 2 = IPv6
 *               (PT_IPV6), otherwise Ethernet.  Bit 2: the conntrack
 *               original tuple is IPv6.
 *   byte 1      ct_state of the packet's metadata.
 *   byte 2      length of a second packet, a truncated copy of the first
 *               that gets the same actions: byte 2 * packet length / 255.
 *   byte 3      number of action records that follow (at most 16).
 *   bytes 4-7   pkt_mark, big-endian.
 *   bytes 8-47  the conntrack original tuple (struct ovs_key_ct_tuple_ipv4
 *               or _ipv6), as hmark's "ct" reads it.
 *   records     each: 1 byte kind, 2 bytes length N (big-endian), N bytes
 *               of argument.
 *               Kind modulo 8: 0 = set_daddr_on_dscp and 1 = hmark with the
 *               N bytes as the attribute's payload, whatever its size; 2-7 =
 *               push_vlan, pop_vlan, push_mpls, pop_mpls, pop_eth, push_eth,
 *               well formed from the argument's first bytes, so that our
 *               actions meet the packets that translation can put in front
 *               of them (VLAN and MPLS headers, L3 packets).
 *   the rest    the packet.
 *
 * Each packet sits in a buffer of exactly its size, so that AddressSanitizer
 * reports any access past its end.  Each action runs as its own action list
 * and only where Open vSwitch's translation could have put it (e.g. pop_eth
 * only on an Ethernet packet), so that a report is about our actions, not
 * about preconditions of Open vSwitch's that translation guarantees.  Our
 * actions must not change a packet's length and hmark's mark must lie in
 * [offset, offset + modulus). */

#include <config.h>
#undef NDEBUG
#include <string.h>

#include "fuzzer.h"
#include "dp-packet.h"
#include "flow.h"
#include "netlink.h"
#include "odp-execute.h"
#include "odp-util.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

#define HEADER_LEN 48
#define CT_TUPLE_OFS 8
#define MAX_RECORDS 16

/* Returns a packet of exactly 'size' bytes copied from 'data', of type
 * 'packet_type', with its offsets set as the datapath's flow extraction sets
 * them, and metadata from 'header'. */
static struct dp_packet *
make_packet(const uint8_t *data, size_t size, ovs_be32 packet_type,
            const uint8_t *header)
{
    struct dp_packet *packet = dp_packet_new(size);
    struct pkt_metadata *md = &packet->md;
    struct flow flow;

    dp_packet_put(packet, data, size);
    packet->packet_type = packet_type;
    pkt_metadata_init(md, ODPP_NONE);
    flow_extract(packet, &flow);

    md->ct_state = header[1];
    md->pkt_mark = ((uint32_t) header[4] << 24 | header[5] << 16
                    | header[6] << 8 | header[7]);
    md->ct_orig_tuple_ipv6 = (header[0] & 4) != 0;
    memcpy(&md->ct_orig_tuple, header + CT_TUPLE_OFS,
           MIN(sizeof md->ct_orig_tuple, HEADER_LEN - CT_TUPLE_OFS));
    return packet;
}

/* Returns the byte at 'i' of the 'n'-byte 'arg', 0 past its end. */
static uint8_t
arg_byte(const uint8_t *arg, size_t n, size_t i)
{
    return i < n ? arg[i] : 0;
}

static ovs_be16
arg_be16(const uint8_t *arg, size_t n, size_t i)
{
    return htons(arg_byte(arg, n, i) << 8 | arg_byte(arg, n, i + 1));
}

/* Appends to 'actions' the Open vSwitch action of 'kind' (2 to 7), built
 * from 'arg', if translation could emit it for 'packet' as it is now.
 * Returns false if not. */
static bool
put_ovs_action(struct ofpbuf *actions, int kind, const uint8_t *arg,
               size_t n, const struct dp_packet *packet)
{
    static const ovs_be16 mpls_types[] = {
        CONSTANT_HTONS(ETH_TYPE_MPLS), CONSTANT_HTONS(ETH_TYPE_MPLS_MCAST),
    };
    static const ovs_be16 pop_types[] = {
        CONSTANT_HTONS(ETH_TYPE_IP), CONSTANT_HTONS(ETH_TYPE_IPV6),
        CONSTANT_HTONS(ETH_TYPE_MPLS),
    };
    bool is_eth = dp_packet_is_eth(packet);
    bool has_l3 = packet->l3_ofs != UINT16_MAX;

    switch (kind) {
    case 2: {
        struct ovs_action_push_vlan vlan = {
            .vlan_tpid = (arg_byte(arg, n, 0) & 1
                          ? htons(ETH_TYPE_VLAN_8021AD)
                          : htons(ETH_TYPE_VLAN_8021Q)),
            .vlan_tci = arg_be16(arg, n, 1) | htons(VLAN_CFI),
        };
        if (!is_eth || dp_packet_size(packet) < ETH_HEADER_LEN) {
            return false;
        }
        nl_msg_put_unspec(actions, OVS_ACTION_ATTR_PUSH_VLAN,
                          &vlan, sizeof vlan);
        return true;
    }
    case 3:
        if (!is_eth) {
            return false;
        }
        nl_msg_put_flag(actions, OVS_ACTION_ATTR_POP_VLAN);
        return true;
    case 4: {
        /* Translation sets the bottom-of-stack bit exactly on the first
         * label that it pushes. */
        bool is_mpls = packet->l2_5_ofs != UINT16_MAX;
        ovs_be32 lse = htonl((uint32_t) arg_byte(arg, n, 1) << 24
                             | arg_byte(arg, n, 2) << 16
                             | arg_byte(arg, n, 3) << 8
                             | arg_byte(arg, n, 4));
        struct ovs_action_push_mpls mpls = {
            .mpls_lse = (is_mpls ? lse & htonl(~MPLS_BOS_MASK)
                         : lse | htonl(MPLS_BOS_MASK)),
            .mpls_ethertype = mpls_types[arg_byte(arg, n, 0) & 1],
        };
        if (!is_eth || !has_l3) {
            return false;
        }
        nl_msg_put_unspec(actions, OVS_ACTION_ATTR_PUSH_MPLS,
                          &mpls, sizeof mpls);
        return true;
    }
    case 5:
        /* Translation pops only the labels that the flow has seen. */
        if (!is_eth || packet->l2_5_ofs == UINT16_MAX
            || packet->l2_5_ofs + MPLS_HLEN > dp_packet_size(packet)) {
            return false;
        }
        nl_msg_put_be16(actions, OVS_ACTION_ATTR_POP_MPLS,
                        pop_types[arg_byte(arg, n, 0) % 3]);
        return true;
    case 6:
        if (!is_eth || !has_l3 || packet->l2_5_ofs != UINT16_MAX) {
            return false;
        }
        nl_msg_put_flag(actions, OVS_ACTION_ATTR_POP_ETH);
        return true;
    case 7: {
        struct ovs_action_push_eth eth;

        if (is_eth) {
            return false;
        }
        for (size_t i = 0; i < sizeof eth; i++) {
            ((uint8_t *) &eth)[i] = arg_byte(arg, n, i);
        }
        nl_msg_put_unspec(actions, OVS_ACTION_ATTR_PUSH_ETH, &eth, sizeof eth);
        return true;
    }
    default:
        OVS_NOT_REACHED();
    }
}

/* Checks what our action 'a' may have done to 'packet', which was 'size'
 * bytes long and had mark 'old_mark' before. */
static void
check_result(const struct nlattr *a, const struct dp_packet *packet,
             size_t size, uint32_t old_mark)
{
    ovs_assert(dp_packet_size(packet) == size);

    if (nl_attr_type(a) == OVS_ACTION_ATTR_HMARK
        && nl_attr_get_size(a) == sizeof(struct ovs_action_hmark)
        && packet->md.pkt_mark != old_mark) {
        struct ovs_action_hmark p;

        memcpy(&p, nl_attr_get(a), sizeof p);
        ovs_assert(p.modulus);
        ovs_assert(packet->md.pkt_mark - p.offset < p.modulus);
    }
}

/* An action record of the input. */
struct record {
    int kind;                   /* 0 to 7. */
    const uint8_t *arg;
    size_t n;                   /* Bytes in 'arg'. */
};

/* Runs the actions of the 'n' records in 'rec' one by one on 'packet', in a
 * batch of its own, then frees it. */
static void
run_records(struct dp_packet *packet, const struct record *rec, int n)
{
    struct dp_packet_batch batch;
    struct ofpbuf actions;

    dp_packet_batch_init_packet(&batch, packet);
    ofpbuf_init(&actions, 64);
    for (int i = 0; i < n; i++) {
        ofpbuf_clear(&actions);
        if (rec[i].kind >= 2) {
            if (put_ovs_action(&actions, rec[i].kind, rec[i].arg, rec[i].n,
                               packet)) {
                odp_execute_actions(NULL, &batch, false, actions.data,
                                    actions.size, NULL);
            }
            continue;
        }

        size_t size = dp_packet_size(packet);
        uint32_t mark = packet->md.pkt_mark;

        nl_msg_put_unspec(&actions, (rec[i].kind
                                     ? OVS_ACTION_ATTR_HMARK
                                     : OVS_ACTION_ATTR_SET_DADDR_ON_DSCP),
                          rec[i].arg, rec[i].n);
        odp_execute_actions(NULL, &batch, false, actions.data, actions.size,
                            NULL);
        check_result(actions.data, packet, size, mark);
    }
    ofpbuf_uninit(&actions);
    dp_packet_delete(packet);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialized;
    if (!initialized) {
        vlog_set_verbosity("off");
        odp_execute_init();
        initialized = true;
    }

    if (size < HEADER_LEN) {
        return 0;
    }
    const uint8_t *header = data;
    int n_records = MIN(header[3], MAX_RECORDS);
    const uint8_t *records = data + HEADER_LEN;
    size_t left = size - HEADER_LEN;

    struct record rec[MAX_RECORDS];
    for (int i = 0; i < n_records; i++) {
        if (left < 3) {
            return 0;
        }
        rec[i].kind = records[0] % 8;
        rec[i].n = records[1] << 8 | records[2];
        rec[i].arg = records + 3;
        if (left - 3 < rec[i].n) {
            return 0;
        }
        left -= 3 + rec[i].n;
        records += 3 + rec[i].n;
    }

    ovs_be32 packet_type = ((header[0] & 3) == 1 ? htonl(PT_IPV4)
                            : (header[0] & 3) == 2 ? htonl(PT_IPV6)
                            : htonl(PT_ETH));
    size_t sizes[2] = { left, left * header[2] / 255 };
    for (int i = 0; i < 2; i++) {
        /* A datapath never sees an empty packet, and Open vSwitch's
         * dp_packet of zero bytes has a null base that UBSan flags. */
        if (sizes[i]) {
            run_records(make_packet(records, sizes[i], packet_type, header),
                        rec, n_records);
        }
    }
    return 0;
}
