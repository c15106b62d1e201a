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

#include "hmark-xlate.h"

#include <netinet/icmp6.h>
#include <string.h>

#include "dp-packet.h"
#include "flow.h"
#include "hmark.h"
#include "nx-match.h"
#include "odp-hmark.h"
#include "odp-l3dsr.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/meta-flow.h"
#include "openvswitch/ofp-actions.h"
#include "packets.h"
#include "util.h"

/* Flows.
 *
 * hmark_flow() computes the same as hmark_packet() from a flow and adds to
 * the wildcards exactly the bits that the result depends on.  A flow holds
 * all that the hash reads for TCP, UDP, SCTP, ICMP and ICMPv6 packets, but
 * not an ICMP error's embedded header, ESP's or AH's SPI, DCCP's or
 * UDP-Lite's ports, the ports of a TCP, UDP or SCTP header too short for
 * flow extraction, the protocol of a later IPv6 fragment, what follows
 * unparsable IPv6 extension headers, or, with "ct", an ICMPv6 echo
 * identifier or the conntrack ports of packets whose L4 header it did not
 * parse: for those it returns HMARK_NEEDS_PACKET. */

static enum hmark_flow_result
flow_ct(const struct ovs_action_hmark *p, const struct flow *flow,
        struct flow_wildcards *wc, struct hmark_tuple *t, const char **why)
{
    bool ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);

    wc->masks.ct_state |= CS_TRACKED | CS_INVALID;
    if (!(flow->ct_state & CS_TRACKED) || flow->ct_state & CS_INVALID) {
        *why = "no conntrack entry";
        return HMARK_UNCHANGED;
    }

    WC_MASK_FIELD(wc, ct_nw_proto);
    t->proto = flow->ct_nw_proto;
    if (ipv6) {
        t->src = hmark_mask_ipv6(&flow->ct_ipv6_src, &p->src_mask);
        t->dst = hmark_mask_ipv6(&flow->ct_ipv6_dst, &p->dst_mask);
        l3dsr_ipv6_mask_or(&wc->masks.ct_ipv6_src, &p->src_mask);
        l3dsr_ipv6_mask_or(&wc->masks.ct_ipv6_dst, &p->dst_mask);
    } else {
        t->src = flow->ct_nw_src & hmark_mask_ipv4(&p->src_mask);
        t->dst = flow->ct_nw_dst & hmark_mask_ipv4(&p->dst_mask);
        wc->masks.ct_nw_src |= hmark_mask_ipv4(&p->src_mask);
        wc->masks.ct_nw_dst |= hmark_mask_ipv4(&p->dst_mask);
    }

    if (t->proto == IPPROTO_ICMP) {
        return HMARK_VALUE;
    }
    ovs_be32 raw = 0;
    if (p->port_mask) {
        uint8_t proto = flow->nw_proto;

        if (t->proto == IPPROTO_ICMPV6) {
            *why = "an ICMPv6 connection, hashed on its echo identifier";
            return HMARK_NEEDS_PACKET;
        }

        /* The flow holds the conntrack ports only if it parsed the
         * packet's own L4 header. */
        WC_MASK_FIELD(wc, nw_proto);
        wc->masks.nw_frag |= FLOW_NW_FRAG_LATER;
        if (flow->nw_frag & FLOW_NW_FRAG_LATER
            || (proto != IPPROTO_TCP && proto != IPPROTO_UDP
                && proto != IPPROTO_SCTP && proto != IPPROTO_ICMP
                && proto != IPPROTO_IGMP && proto != IPPROTO_ICMPV6)) {
            *why = "conntrack ports that the flow holds only for TCP, UDP, "
                   "SCTP and ICMP";
            return HMARK_NEEDS_PACKET;
        }
        raw = htonl(((uint32_t) ntohs(flow->ct_tp_src) << 16)
                    | ntohs(flow->ct_tp_dst));
        wc->masks.ct_tp_src |= htons(ntohl(p->port_mask) >> 16);
        wc->masks.ct_tp_dst |= htons(ntohl(p->port_mask) & 0xffff);
    }
    t->ports = hmark_ports(raw, p);
    return HMARK_VALUE;
}

/* Computes into '*mark' the mark that xt_HMARK with parameters 'p' gives the
 * packets of 'flow', and adds to 'wc' the bits that it depends on.  If the
 * mark stays as it is or the flow does not hold everything that the mark
 * depends on, returns HMARK_UNCHANGED or HMARK_NEEDS_PACKET with '*why'
 * pointing to a phrase that says why. */
enum hmark_flow_result
hmark_flow(const struct ovs_action_hmark *p, const struct flow *flow,
           struct flow_wildcards *wc, uint32_t *mark, const char **why)
{
    bool ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);
    struct hmark_tuple t;
    enum hmark_flow_result r;

    *why = NULL;
    memset(&t, 0, sizeof t);
    WC_MASK_FIELD(wc, dl_type);
    if (!is_ip_any(flow)) {
        *why = "not IPv4 or IPv6";
        return HMARK_UNCHANGED;
    }

    if (p->flags & OVS_HMARK_F_CT) {
        r = flow_ct(p, flow, wc, &t, why);
        if (r == HMARK_VALUE) {
            *mark = hmark_hash(&t, p);
        }
        return r;
    }

    uint8_t proto = flow->nw_proto;
    bool frag = flow->nw_frag & FLOW_NW_FRAG_ANY;
    bool later = flow->nw_frag & FLOW_NW_FRAG_LATER;

    WC_MASK_FIELD(wc, nw_proto);
    wc->masks.nw_frag |= FLOW_NW_FRAG_MASK;
    if (!ipv6) {
        if (proto == IPPROTO_ICMP) {
            if (later) {
                *why = "a later fragment of ICMP, whose payload the kernel "
                       "reads as an ICMP header";
                return HMARK_NEEDS_PACKET;
            }
            wc->masks.tp_src |= htons(0xff);
            if (hmark_is_icmp_error(ntohs(flow->tp_src))) {
                *why = "an ICMP error, hashed on the header it carries";
                return HMARK_NEEDS_PACKET;
            }
        }
        t.src = flow->nw_src & hmark_mask_ipv4(&p->src_mask);
        t.dst = flow->nw_dst & hmark_mask_ipv4(&p->dst_mask);
        wc->masks.nw_src |= hmark_mask_ipv4(&p->src_mask);
        wc->masks.nw_dst |= hmark_mask_ipv4(&p->dst_mask);
    } else {
        if (later) {
            *why = "a later IPv6 fragment, whose protocol the flow does not "
                   "hold";
            return HMARK_NEEDS_PACKET;
        }
        if (proto == IPPROTO_HOPOPTS) {
            /* Flow extraction walks past hop-by-hop options, so it leaves
             * 0 only when the extension headers are cut short. */
            *why = "IPv6 extension headers cut short";
            return HMARK_NEEDS_PACKET;
        }
        if (!frag && proto == IPPROTO_ICMPV6) {
            wc->masks.tp_src |= htons(0xff);
            if (hmark_is_icmpv6_error(ntohs(flow->tp_src))) {
                *why = "an ICMPv6 error, hashed on the header it carries";
                return HMARK_NEEDS_PACKET;
            }
        }
        t.src = hmark_mask_ipv6(&flow->ipv6_src, &p->src_mask);
        t.dst = hmark_mask_ipv6(&flow->ipv6_dst, &p->dst_mask);
        l3dsr_ipv6_mask_or(&wc->masks.ipv6_src, &p->src_mask);
        l3dsr_ipv6_mask_or(&wc->masks.ipv6_dst, &p->dst_mask);
    }
    t.proto = proto;

    /* Fragments are hashed without ports.  Without a mask, the ports' value
     * does not matter, but whether they are there still does, if there are
     * values to OR in. */
    if (!frag && (p->port_mask || p->port_set)
        && hmark_proto_ports_offset(proto) >= 0) {
        if (proto != IPPROTO_TCP && proto != IPPROTO_UDP
            && proto != IPPROTO_SCTP) {
            *why = "ESP, AH, DCCP or UDP-Lite, whose SPI or ports the flow "
                   "does not hold";
            return HMARK_NEEDS_PACKET;
        }

        /* Flow extraction leaves both ports 0 when the L4 header is shorter
         * than its fixed part (TCP 20 bytes, UDP 8, SCTP 12), while the
         * kernel reads the ports from any 4 bytes there, and with fewer
         * than 4 hashes 0 without the values to OR in.  A flow with ports
         * 0 and 0 cannot tell these apart from real ports 0.  Any other
         * flow holds the real ports: one bit set in them keeps its megaflow
         * from matching the ports-0 flows. */
        uint32_t raw = (uint32_t) ntohs(flow->tp_src) << 16
                       | ntohs(flow->tp_dst);
        if (!raw) {
            wc->masks.tp_src = OVS_BE16_MAX;
            wc->masks.tp_dst = OVS_BE16_MAX;
            *why = "TCP, UDP or SCTP ports 0 and 0, which the flow also "
                   "holds for an L4 header cut short";
            return HMARK_NEEDS_PACKET;
        }
        uint32_t wc_ports = ntohl(p->port_mask);
        if (!(raw & wc_ports)) {
            wc_ports |= raw & -raw;
        }
        t.ports = hmark_ports(htonl(raw), p);
        wc->masks.tp_src |= htons(wc_ports >> 16);
        wc->masks.tp_dst |= htons(wc_ports & 0xffff);
    }
    *mark = hmark_hash(&t, p);
    return HMARK_VALUE;
}

/* Translation. */

/* Computes the mark of 'packet', as it is at this point of a translation
 * whose flow is now 'flow' and was 'packet_flow' for 'packet' as received.
 * Actions before this one may have rewritten the addresses, which only the
 * flow shows yet: the mark is then computed on a copy with the new
 * addresses.  Returns false if the mark stays as it is or cannot be
 * computed (another change, e.g. of the Ethernet type, came first). */
static bool
hmark_packet_now(const struct ovs_action_hmark *p,
                 const struct dp_packet *packet,
                 const struct flow *packet_flow, const struct flow *flow,
                 uint32_t *mark)
{
    if (!packet_flow) {
        return hmark_packet(p, packet, mark);
    }
    if (packet_flow->dl_type != flow->dl_type
        || packet_flow->nw_proto != flow->nw_proto
        || packet_flow->nw_frag != flow->nw_frag
        || packet_flow->tp_src != flow->tp_src
        || packet_flow->tp_dst != flow->tp_dst) {
        return false;
    }

    bool ipv6 = flow->dl_type == htons(ETH_TYPE_IPV6);
    if (ipv6
        ? (ipv6_addr_equals(&packet_flow->ipv6_src, &flow->ipv6_src)
           && ipv6_addr_equals(&packet_flow->ipv6_dst, &flow->ipv6_dst))
        : (packet_flow->nw_src == flow->nw_src
           && packet_flow->nw_dst == flow->nw_dst)) {
        return hmark_packet(p, packet, mark);
    }

    struct dp_packet *copy = dp_packet_clone(packet);
    uint8_t *l3 = dp_packet_l3(copy);
    bool ok = false;

    if (ipv6 && dp_packet_l3_size(copy) >= IPV6_HEADER_LEN) {
        memcpy(l3 + 8, &flow->ipv6_src, sizeof flow->ipv6_src);
        memcpy(l3 + 24, &flow->ipv6_dst, sizeof flow->ipv6_dst);
        ok = hmark_packet(p, copy, mark);
    } else if (!ipv6 && dp_packet_l3_size(copy) >= IP_HEADER_LEN) {
        memcpy(l3 + 12, &flow->nw_src, sizeof flow->nw_src);
        memcpy(l3 + 16, &flow->nw_dst, sizeof flow->nw_dst);
        ok = hmark_packet(p, copy, mark);
    }
    dp_packet_delete(copy);
    return ok;
}

/* Writes 'mark' to 'dst' in 'flow' and un-wildcards 'dst', so that the flow's
 * commit writes it. */
static void
write_mark(const struct mf_subfield *dst, uint32_t mark, struct flow *flow,
           struct flow_wildcards *wc)
{
    union mf_subvalue value;

    memset(&value, 0, sizeof value);
    value.be32[ARRAY_SIZE(value.be32) - 1] = htonl(mark);
    mf_write_subfield_flow(dst, &value, flow);

    memset(&value, 0xff, sizeof value);
    mf_write_subfield_flow(dst, &value, &wc->masks);
}

/* Translates 'a' for 'flow', adding to 'wc' what the result depends on.
 * When the flow does not hold everything, the mark is computed from 'packet'
 * (see hmark_packet_now() for 'packet_flow'), if there is one.  Returns true
 * if that was needed, in which case the translation must be slow-pathed, so
 * that every packet is translated with its own mark.  'dp' says that the
 * datapath action was emitted, for the sentence appended to 'trace'. */
static bool
hmark_xlate__(const struct ofpact_hmark *a, struct flow *flow,
              struct flow_wildcards *wc, const struct dp_packet *packet,
              const struct flow *packet_flow, bool dp, struct ds *trace)
{
    struct ovs_action_hmark p;
    const char *why;
    uint32_t mark;
    bool slow = false;

    hmark_to_odp(a, &p);
    switch (hmark_flow(&p, flow, wc, &mark, &why)) {
    case HMARK_UNCHANGED:
        if (trace) {
            ds_put_format(trace, "%s: mark unchanged", why);
        }
        return false;

    case HMARK_VALUE:
        break;

    case HMARK_NEEDS_PACKET:
        slow = true;
        if (!packet || !hmark_packet_now(&p, packet, packet_flow, flow,
                                         &mark)) {
            if (trace) {
                ds_put_format(trace, "%s: mark computed per packet%s", why,
                              dp ? "" : " in the slow path");
            }
            return slow;
        }
        break;

    default:
        OVS_NOT_REACHED();
    }

    write_mark(&a->dst, mark, flow, wc);
    if (trace) {
        ds_put_format(trace, "mark %"PRIu32" (%#"PRIx32")", mark, mark);
        if (!hmark_dst_is_pkt_mark(a)) {
            ds_put_cstr(trace, " to ");
            mf_format_subfield(&a->dst, trace);
        }
        if (slow) {
            ds_put_format(trace, ", from the packet: %s%s", why,
                          dp ? "" : " (slow path)");
        }
    }
    return slow;
}

/* Translates 'a' without the datapath action: writes the mark into 'flow'
 * and adds to 'wc' exactly the masked bits that the hash used.  Returns true
 * if the translation must be slow-pathed because the flow does not hold
 * everything that the mark depends on.  'packet' and 'packet_flow' are the
 * packet being translated, if any, and its flow as received.  If 'trace' is
 * nonnull, appends a sentence for ofproto/trace. */
bool
hmark_xlate(const struct ofpact_hmark *a, struct flow *flow,
            struct flow_wildcards *wc, const struct dp_packet *packet,
            const struct flow *packet_flow, struct ds *trace)
{
    return hmark_xlate__(a, flow, wc, packet, packet_flow, false, trace);
}

/* With datapath support, hmark becomes the datapath action, which computes
 * the mark per packet, so that the megaflow need not depend on any hashed
 * field: one megaflow serves every connection.  That holds only if nothing
 * later in the translation reads the mark.  In Open vSwitch, whatever reads
 * a field during translation un-wildcards it, so hmark_xlate_dp() clears
 * pkt_mark's wildcard bits and hmark_xlate_finish() looks whether any came
 * back: if so, it un-wildcards what hmark_xlate() would have, so that the
 * megaflow only matches packets that get the same mark. */

/* Returns true if 'a' may use the datapath action for 'flow': it writes all
 * of pkt_mark, the flow is IP (for other packets the action does nothing),
 * and no other hmark datapath action came earlier in the translation (a
 * second one takes the ordinary path, which keeps the bookkeeping to one). */
bool
hmark_xlate_dp_ok(const struct hmark_xlate_state *state,
                  const struct ofpact_hmark *a, const struct flow *flow)
{
    return !state->pending && hmark_dst_is_pkt_mark(a) && is_ip_any(flow);
}

/* Updates 'flow' and 'base_flow' as if the datapath action just emitted had
 * executed on this packet, so that the rest of the translation sees its mark
 * but commits no set action for it. */
void
hmark_xlate_dp(struct hmark_xlate_state *state, const struct ofpact_hmark *a,
               struct flow *flow, struct flow *base_flow,
               struct flow_wildcards *wc, const struct dp_packet *packet,
               const struct flow *packet_flow, struct ds *trace)
{
    state->pending = true;
    state->pkt_mark_mask = wc->masks.pkt_mark;
    wc->masks.pkt_mark = 0;

    flow_wildcards_init_catchall(&state->wc);
    state->slow = hmark_xlate__(a, flow, &state->wc, packet, packet_flow,
                                true, trace);
    base_flow->pkt_mark = flow->pkt_mark;
    if (trace) {
        ds_put_cstr(trace, " (datapath action)");
    }
}

/* Completes the bookkeeping of hmark_xlate_dp() at the end of a translation
 * whose wildcards are 'wc'.  Returns true if the translation must be
 * slow-pathed. */
bool
hmark_xlate_finish(struct hmark_xlate_state *state, struct flow_wildcards *wc)
{
    if (!state->pending) {
        return false;
    }
    state->pending = false;

    bool read = wc->masks.pkt_mark != 0;
    wc->masks.pkt_mark |= state->pkt_mark_mask;
    if (!read) {
        return false;
    }
    flow_wildcards_or(wc, wc, &state->wc);
    return state->slow;
}
