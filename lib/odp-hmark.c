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

#include "odp-hmark.h"

#include <errno.h>
#include <string.h>

#include "dp-packet.h"
#include "dpif.h"
#include "flow.h"
#include "hmark.h"
#include "l3dsr-number.h"
#include "netlink.h"
#include "odp-l3dsr-probe.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "util.h"

void
odp_hmark_put(const struct ofpact_hmark *a, struct ofpbuf *odp_actions)
{
    struct ovs_action_hmark p;

    hmark_to_odp(a, &p);
    nl_msg_put_unspec(odp_actions, OVS_ACTION_ATTR_HMARK, &p, sizeof p);
}

/* Formats 'mask' as a prefix length if it is one, otherwise as an IPv6
 * address. */
static void
format_mask(struct ds *s, const char *name, const struct in6_addr *mask)
{
    ds_put_format(s, "%s=", name);
    if (ipv6_is_cidr(mask)) {
        ds_put_format(s, "%d", ipv6_count_cidr_bits(mask));
    } else {
        ipv6_format_addr(mask, s);
    }
}

/* Formats 'a', whose length odp-util has checked. */
void
odp_hmark_format(const struct nlattr *a, struct ds *s)
{
    const struct ovs_action_hmark *p = nl_attr_get(a);

    ds_put_cstr(s, "hmark(");
    format_mask(s, "src_mask", &p->src_mask);
    format_mask(s, ",dst_mask", &p->dst_mask);
    ds_put_format(s, ",port_mask=%#"PRIx32",port_set=%#"PRIx32
                  ",proto_mask=%#"PRIx16",rnd=%#"PRIx32",mod=%"PRIu32
                  ",offset=%"PRIu32, ntohl(p->port_mask), ntohl(p->port_set),
                  p->proto_mask, p->hash_rnd, p->modulus, p->offset);
    if (p->flags & OVS_HMARK_F_CT) {
        ds_put_cstr(s, ",ct");
    }
    if (p->flags & ~OVS_HMARK_F_CT) {
        ds_put_format(s, ",flags=%#"PRIx16, p->flags);
    }
    ds_put_char(s, ')');
}

static bool
parse_mask(const char *s, struct in6_addr *mask)
{
    uint32_t bits;

    if (l3dsr_parse_number(s, 128, &bits)) {
        *mask = ipv6_create_mask(bits);
        return true;
    }
    return ipv6_parse(s, mask);
}

/* Parses "hmark(...)" at the start of 's', in the syntax of
 * odp_hmark_format() (any order, "flags" and every field but "mod" and "rnd"
 * optional), and appends the action to 'odp_actions'.  Returns the number of
 * bytes parsed, or a negative errno value. */
int
odp_hmark_parse(const char *s, struct ofpbuf *odp_actions)
{
    static const char prefix[] = "hmark(";
    struct ovs_action_hmark p;
    bool have_rnd = false, have_mod = false;
    const char *end;
    char *key, *value;
    int error = 0;

    if (strncmp(s, prefix, strlen(prefix))) {
        return -EINVAL;
    }
    end = strchr(s, ')');
    if (!end) {
        return -EINVAL;
    }

    char *copy = xmemdup0(s + strlen(prefix), end - (s + strlen(prefix)));
    char *arg = copy;

    memset(&p, 0, sizeof p);
    while (!error && ofputil_parse_key_value(&arg, &key, &value)) {
        uint32_t n = 0;
        bool ok;

        if (!strcmp(key, "src_mask")) {
            ok = parse_mask(value, &p.src_mask);
        } else if (!strcmp(key, "dst_mask")) {
            ok = parse_mask(value, &p.dst_mask);
        } else if (!strcmp(key, "port_mask")) {
            ok = l3dsr_parse_number(value, UINT32_MAX, &n);
            p.port_mask = htonl(n);
        } else if (!strcmp(key, "port_set")) {
            ok = l3dsr_parse_number(value, UINT32_MAX, &n);
            p.port_set = htonl(n);
        } else if (!strcmp(key, "proto_mask")) {
            ok = l3dsr_parse_number(value, UINT16_MAX, &n);
            p.proto_mask = n;
        } else if (!strcmp(key, "rnd")) {
            ok = l3dsr_parse_number(value, UINT32_MAX, &p.hash_rnd);
            have_rnd = true;
        } else if (!strcmp(key, "mod")) {
            ok = (l3dsr_parse_number(value, UINT32_MAX, &p.modulus)
                  && p.modulus);
            have_mod = true;
        } else if (!strcmp(key, "offset")) {
            ok = l3dsr_parse_number(value, UINT32_MAX, &p.offset);
        } else if (!strcmp(key, "ct")) {
            ok = !*value;
            p.flags |= OVS_HMARK_F_CT;
        } else if (!strcmp(key, "flags")) {
            ok = l3dsr_parse_number(value, UINT16_MAX, &n);
            p.flags |= n;
        } else {
            ok = false;
        }
        if (!ok) {
            error = -EINVAL;
        }
    }
    free(copy);

    if (error || !have_rnd || !have_mod) {
        return -EINVAL;
    }
    nl_msg_put_unspec(odp_actions, OVS_ACTION_ATTR_HMARK, &p, sizeof p);
    return end + 1 - s;
}

/* Sets the mark of each packet in 'batch' as 'a' says. */
void
odp_hmark_execute(struct dp_packet_batch *batch, const struct nlattr *a)
{
    const struct ovs_action_hmark *p = nl_attr_get(a);
    struct dp_packet *packet;

    if (nl_attr_get_size(a) != sizeof *p || !p->modulus) {
        return;
    }
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t mark;

        if (hmark_packet(p, packet, &mark)) {
            packet->md.pkt_mark = mark;
        }
    }
}

/* Returns true if 'dpif' accepts a flow with the action. */
bool
odp_hmark_probe(struct dpif *dpif)
{
    struct ovs_action_hmark p;
    struct ofpbuf actions;
    bool supported;

    memset(&p, 0, sizeof p);
    memset(&p.src_mask, 0xff, sizeof p.src_mask);
    memset(&p.dst_mask, 0xff, sizeof p.dst_mask);
    p.port_mask = OVS_BE32_MAX;
    p.proto_mask = UINT16_MAX;
    p.modulus = 1;
    ofpbuf_init(&actions, 64);
    nl_msg_put_unspec(&actions, OVS_ACTION_ATTR_HMARK, &p, sizeof p);

    supported = odp_l3dsr_probe_ipv4_action(dpif, "hmark", &actions);
    ofpbuf_uninit(&actions);
    return supported;
}
