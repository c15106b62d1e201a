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

#include "odp-daddr-on-dscp.h"

#include <errno.h>
#include <string.h>

#include "csum.h"
#include "daddr-on-dscp.h"
#include "dp-packet.h"
#include "dpif.h"
#include "flow.h"
#include "l3dsr-ovs-compat.h"
#include "netlink.h"
#include "odp-l3dsr.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/util.h"
#include "packets.h"
#include "util.h"

/* The action's argument, prepared for lookups.  Netlink only aligns
 * attribute payloads to 4 bytes, too little for reading a uint64_t in place,
 * so the bitmaps are copied out. */
struct daddr_on_dscp_map {
    uint64_t ipv4_dscps;
    uint64_t ipv6_dscps;
    const uint8_t *ipv4;        /* 4 bytes per bit set in 'ipv4_dscps'. */
    const uint8_t *ipv6;        /* 16 bytes per bit set in 'ipv6_dscps'. */
};

/* Initializes 'map' from 'a'.  Returns false, leaving 'map' unusable, if the
 * attribute's length does not match its bitmaps or it has no entry. */
static bool
map_init(struct daddr_on_dscp_map *map, const struct nlattr *a)
{
    const struct ovs_action_set_daddr_on_dscp *arg = nl_attr_get(a);
    size_t size = nl_attr_get_size(a);

    if (size < sizeof *arg) {
        return false;
    }
    memcpy(&map->ipv4_dscps, &arg->ipv4_dscps, sizeof map->ipv4_dscps);
    memcpy(&map->ipv6_dscps, &arg->ipv6_dscps, sizeof map->ipv6_dscps);

    size_t n4 = count_1bits(map->ipv4_dscps);
    size_t n6 = count_1bits(map->ipv6_dscps);
    map->ipv4 = (const uint8_t *) (arg + 1);
    map->ipv6 = map->ipv4 + 4 * n4;
    return (n4 || n6) && size == sizeof *arg + 4 * n4 + 16 * n6;
}

/* Per-DSCP index of each family's entry, built once per batch, so that a
 * packet costs one array access instead of counting bits. */
#define NO_ENTRY UINT8_MAX
struct daddr_on_dscp_table {
    uint8_t ipv4[DADDR_ON_DSCP_N];  /* Index into map->ipv4, or NO_ENTRY. */
    uint8_t ipv6[DADDR_ON_DSCP_N];  /* Index into map->ipv6, or NO_ENTRY. */
};

static void
table_init_family(uint8_t index[DADDR_ON_DSCP_N], uint64_t dscps)
{
    memset(index, NO_ENTRY, DADDR_ON_DSCP_N);
    for (int n = 0; dscps; n++) {
        index[raw_ctz(dscps)] = n;
        dscps = zero_rightmost_1bit(dscps);
    }
}

static void
table_init(struct daddr_on_dscp_table *t, const struct daddr_on_dscp_map *m)
{
    table_init_family(t->ipv4, m->ipv4_dscps);
    table_init_family(t->ipv6, m->ipv6_dscps);
}

void
odp_daddr_on_dscp_put(const struct ofpact_set_daddr_on_dscp *a,
                      struct ofpbuf *odp_actions)
{
    struct ovs_action_set_daddr_on_dscp *arg;
    size_t n4 = count_1bits(a->ipv4_dscps);
    size_t n6 = count_1bits(a->ipv6_dscps);
    uint8_t *p;

    arg = nl_msg_put_unspec_uninit(odp_actions,
                                   OVS_ACTION_ATTR_SET_DADDR_ON_DSCP,
                                   sizeof *arg + 4 * n4 + 16 * n6);
    memcpy(&arg->ipv4_dscps, &a->ipv4_dscps, sizeof arg->ipv4_dscps);
    memcpy(&arg->ipv6_dscps, &a->ipv6_dscps, sizeof arg->ipv6_dscps);
    p = (uint8_t *) (arg + 1);
    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if ((a->ipv4_dscps >> dscp) & 1) {
            memcpy(p, &a->ipv4[dscp], 4);
            p += 4;
        }
    }
    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if ((a->ipv6_dscps >> dscp) & 1) {
            memcpy(p, &a->ipv6[dscp], 16);
            p += 16;
        }
    }
}

/* Converts 'a' back into the OpenFlow form, so that the datapath action's
 * text is exactly the OpenFlow action's. */
static bool
map_to_ofpact(const struct nlattr *a, struct ofpact_set_daddr_on_dscp *oa)
{
    struct daddr_on_dscp_table table;
    struct daddr_on_dscp_map map;

    memset(oa, 0, sizeof *oa);
    if (!map_init(&map, a)) {
        return false;
    }
    table_init(&table, &map);
    oa->ipv4_dscps = map.ipv4_dscps;
    oa->ipv6_dscps = map.ipv6_dscps;
    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (table.ipv4[dscp] != NO_ENTRY) {
            memcpy(&oa->ipv4[dscp], map.ipv4 + 4 * table.ipv4[dscp], 4);
        }
        if (table.ipv6[dscp] != NO_ENTRY) {
            memcpy(&oa->ipv6[dscp], map.ipv6 + 16 * table.ipv6[dscp], 16);
        }
    }
    return true;
}

void
odp_daddr_on_dscp_format(const struct nlattr *a, struct ds *s)
{
    struct ofpact_set_daddr_on_dscp oa;

    if (!map_to_ofpact(a, &oa)) {
        ds_put_format(s, "set_daddr_on_dscp(<error: bad length %"PRIuSIZE">)",
                      nl_attr_get_size(a));
        return;
    }
    ds_put_cstr(s, "set_daddr_on_dscp(");
    daddr_on_dscp_format(&oa, s);
    ds_put_char(s, ')');
}

/* Parses "set_daddr_on_dscp(...)" at the start of 's', with the same rules as
 * the OpenFlow action, and appends the action to 'odp_actions'.  Returns the
 * number of bytes parsed, or a negative errno value. */
int
odp_daddr_on_dscp_parse(const char *s, struct ofpbuf *odp_actions)
{
    static const char prefix[] = "set_daddr_on_dscp(";
    const char *end;

    if (strncmp(s, prefix, strlen(prefix))) {
        return -EINVAL;
    }
    end = strchr(s + strlen(prefix), ')');
    if (!end) {
        return -EINVAL;
    }

    char *arg = xmemdup0(s + strlen(prefix), end - (s + strlen(prefix)));
    struct ofpbuf ofpacts;
    char *error;

    ofpbuf_init(&ofpacts, 0);
    error = daddr_on_dscp_parse(arg, &ofpacts);
    free(arg);
    if (!error) {
        odp_daddr_on_dscp_put(ofpacts.data, odp_actions);
    }
    ofpbuf_uninit(&ofpacts);
    if (error) {
        free(error);
        return -EINVAL;
    }
    return end + 1 - s;
}

/* How an L4 checksum treats zero. */
enum l4_csum_kind {
    L4_CSUM_PLAIN,              /* TCP, DCCP, ICMPv6: no special value. */
    L4_CSUM_UDP,                /* 0 means "no checksum"; 0 goes as ~0. */
    L4_CSUM_UDPLITE,            /* Mandatory (RFC 3828); 0 goes as ~0. */
};

/* Points '*csum' at the L4 checksum that covers the destination address of
 * an IP packet with protocol 'proto' whose L4 header of 'l4_size' bytes is at
 * 'l4', or at NULL if no L4 checksum covers it (ICMPv4, SCTP, unknown
 * protocols), and sets '*kind' to the checksum's kind.  The checksums of
 * UDP-Lite and DCCP cover the pseudo-header like those of UDP and TCP,
 * whatever part of the payload they cover.  Returns false if the L4 header
 * is shorter than its fixed part, so that the caller leaves the packet alone
 * rather than make it inconsistent. */
static bool
find_l4_csum(uint8_t proto, bool ipv6, void *l4, size_t l4_size,
             ovs_be16 **csum, enum l4_csum_kind *kind)
{
    *csum = NULL;
    *kind = L4_CSUM_PLAIN;
    if (proto == IPPROTO_TCP) {
        struct tcp_header *th = l4;

        if (l4_size < TCP_HEADER_LEN) {
            return false;
        }
        *csum = &th->tcp_csum;
    } else if (proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE) {
        struct udp_header *uh = l4;

        if (l4_size < UDP_HEADER_LEN) {
            return false;
        }
        *csum = &uh->udp_csum;
        *kind = proto == IPPROTO_UDP ? L4_CSUM_UDP : L4_CSUM_UDPLITE;
    } else if (proto == IPPROTO_DCCP) {
        struct dccp_header *dh = l4;

        if (l4_size < DCCP_HEADER_LEN) {
            return false;
        }
        *csum = &dh->dccp_csum;
    } else if (proto == IPPROTO_ICMPV6 && ipv6) {
        struct icmp6_header *icmp6 = l4;

        if (l4_size < ICMP6_HEADER_LEN) {
            return false;
        }
        *csum = &icmp6->icmp6_cksum;
    }
    return true;
}

/* Returns the ones' complement sum of the change of 'n_words' 32-bit words
 * from 'old' to 'new', folded to 16 bits, ready to be added to every
 * checksum that covers them (RFC 1624, eqn. 3).  Ones' complement arithmetic
 * is byte-order independent and a 32-bit word is congruent to the sum of its
 * halves, so the words are summed as they lie in memory, in one pass. */
static uint32_t
csum_delta(const ovs_16aligned_be32 *old, const ovs_be32 *new, int n_words)
{
    uint64_t sum = 0;

    for (int i = 0; i < n_words; i++) {
        sum += (uint32_t) ~get_16aligned_be32(&old[i]);
        sum += (uint32_t) new[i];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Returns checksum 'csum' with 'delta' from csum_delta() folded in. */
static ovs_be16
csum_apply(ovs_be16 csum, uint32_t delta)
{
    uint32_t sum = (uint16_t) ~csum + delta;

    sum = (sum & 0xffff) + (sum >> 16);
    return ~sum;
}

/* Folds 'delta' into the L4 checksum '*csum', of kind 'kind', of
 * 'packet'. */
static void
update_l4_csum(struct dp_packet *packet, ovs_be16 *csum,
               enum l4_csum_kind kind, uint32_t delta)
{
    /* A checksum that the NIC is to complete holds the plain, uncomplemented
     * pseudo-header sum: update its complement instead. */
    if (l3dsr_l4_csum_partial(packet)) {
        *csum = ~csum_apply(~*csum, delta);
    } else if (*csum || kind != L4_CSUM_UDP) {
        ovs_be16 c = csum_apply(*csum, delta);

        *csum = !c && kind != L4_CSUM_PLAIN ? htons(0xffff) : c;
    }
}

static void
execute_ipv4(struct dp_packet *packet, const struct daddr_on_dscp_map *map,
             const struct daddr_on_dscp_table *t)
{
    struct ip_header *nh = dp_packet_l3(packet);
    size_t l3_size = dp_packet_l3_size(packet);

    if (l3_size < IP_HEADER_LEN || IP_VER(nh->ip_ihl_ver) != 4) {
        return;
    }
    size_t ihl = IP_IHL(nh->ip_ihl_ver) * 4;
    if (ihl < IP_HEADER_LEN || ihl > l3_size) {
        return;
    }

    uint8_t i = t->ipv4[nh->ip_tos >> 2];
    if (i == NO_ENTRY) {
        return;
    }
    ovs_be32 new_dst;
    memcpy(&new_dst, map->ipv4 + 4 * i, 4);
    if (get_16aligned_be32(&nh->ip_dst) == new_dst) {
        return;
    }

    /* A later fragment has payload where its L4 header would be. */
    ovs_be16 *csum = NULL;
    enum l4_csum_kind kind = L4_CSUM_PLAIN;
    if (!(nh->ip_frag_off & htons(IP_FRAG_OFF_MASK))
        && !find_l4_csum(nh->ip_proto, false, (char *) nh + ihl,
                         l3_size - ihl, &csum, &kind)) {
        return;
    }

    uint32_t delta = csum_delta(&nh->ip_dst, &new_dst, 1);
    if (csum) {
        update_l4_csum(packet, csum, kind, delta);
    }
    nh->ip_csum = csum_apply(nh->ip_csum, delta);
    put_16aligned_be32(&nh->ip_dst, new_dst);
    pkt_metadata_init_conn(&packet->md);
}

/* Walks the IPv6 extension headers that follow 'nh', whose packet has
 * 'l3_size' bytes from 'nh' on.  Returns false if the chain runs off the end
 * of the packet.  Otherwise sets '*l4' and '*l4_size' to the upper-layer
 * header and '*proto' to its protocol, or '*l4' to NULL if the L4 checksum
 * does not cover the destination address: behind a routing header with
 * segments left (the pseudo-header holds the final destination), in a later
 * fragment, or behind ESP or "no next header". */
static bool
walk_ipv6_headers(struct ovs_16aligned_ip6_hdr *nh, size_t l3_size,
                  void **l4, size_t *l4_size, uint8_t *proto)
{
    uint8_t *p = (uint8_t *) (nh + 1);
    size_t left = l3_size - sizeof *nh;
    uint8_t next = nh->ip6_nxt;

    *l4 = NULL;
    for (;;) {
        size_t len;

        if (next == IPPROTO_HOPOPTS || next == IPPROTO_DSTOPTS
            || next == IPPROTO_ROUTING || next == IPPROTO_AH) {
            if (left < 8) {
                return false;
            }
            len = next == IPPROTO_AH ? (p[1] + 2) * 4 : (p[1] + 1) * 8;
            if (left < len) {
                return false;
            }
            if (next == IPPROTO_ROUTING && p[3]) {
                return true;
            }
        } else if (next == IPPROTO_FRAGMENT) {
            if (left < sizeof(struct ovs_16aligned_ip6_frag)) {
                return false;
            }
            const struct ovs_16aligned_ip6_frag *frag = (const void *) p;
            if (frag->ip6f_offlg & IP6F_OFF_MASK) {
                return true;
            }
            len = sizeof *frag;
        } else if (next == IPPROTO_ESP || next == IPPROTO_NONE) {
            return true;
        } else {
            *l4 = p;
            *l4_size = left;
            *proto = next;
            return true;
        }
        next = p[0];
        p += len;
        left -= len;
    }
}

static void
execute_ipv6(struct dp_packet *packet, const struct daddr_on_dscp_map *map,
             const struct daddr_on_dscp_table *t)
{
    struct ovs_16aligned_ip6_hdr *nh = dp_packet_l3(packet);
    size_t l3_size = dp_packet_l3_size(packet);

    if (l3_size < sizeof *nh) {
        return;
    }
    uint32_t vfc = ntohl(get_16aligned_be32(&nh->ip6_flow));
    if (vfc >> 28 != 6) {
        return;
    }

    uint8_t i = t->ipv6[(vfc >> 22) & 0x3f];
    if (i == NO_ENTRY) {
        return;
    }
    ovs_be32 new_dst[4];
    memcpy(new_dst, map->ipv6 + 16 * i, sizeof new_dst);
    if (!memcmp(&nh->ip6_dst, new_dst, sizeof new_dst)) {
        return;
    }

    void *l4;
    size_t l4_size = 0;
    uint8_t proto = 0;
    ovs_be16 *csum = NULL;
    enum l4_csum_kind kind = L4_CSUM_PLAIN;
    if (!walk_ipv6_headers(nh, l3_size, &l4, &l4_size, &proto)
        || (l4 && !find_l4_csum(proto, true, l4, l4_size,
                                &csum, &kind))) {
        return;
    }

    if (csum) {
        update_l4_csum(packet, csum, kind,
                       csum_delta(nh->ip6_dst.be32, new_dst, 4));
    }
    memcpy(&nh->ip6_dst, new_dst, sizeof new_dst);
    pkt_metadata_init_conn(&packet->md);
}

void
odp_daddr_on_dscp_execute(struct dp_packet_batch *batch,
                          const struct nlattr *a)
{
    struct daddr_on_dscp_table table;
    struct daddr_on_dscp_map map;
    struct dp_packet *packet;

    if (!map_init(&map, a)) {
        return;
    }
    table_init(&table, &map);
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        ovs_be16 type = odp_l3dsr_l3_type(packet);

        if (type == htons(ETH_TYPE_IP)) {
            execute_ipv4(packet, &map, &table);
        } else if (type == htons(ETH_TYPE_IPV6)) {
            execute_ipv6(packet, &map, &table);
        }
    }
}

/* Returns true if 'dpif' accepts a flow with the action. */
bool
odp_daddr_on_dscp_probe(struct dpif *dpif)
{
    struct ofpact_set_daddr_on_dscp a;
    struct ofpbuf actions;
    bool supported;

    memset(&a, 0, sizeof a);
    a.ipv4_dscps = 1;
    a.ipv4[0] = htonl(0xc0000201);      /* 192.0.2.1. */
    ofpbuf_init(&actions, 64);
    odp_daddr_on_dscp_put(&a, &actions);

    supported = odp_l3dsr_probe_ipv4_action(dpif, "set_daddr_on_dscp",
                                            &actions);
    ofpbuf_uninit(&actions);
    return supported;
}
