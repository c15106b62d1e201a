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

#include "daddr-on-dscp.h"

#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "flow.h"
#include "l3dsr-number.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-parse.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(daddr_on_dscp);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

/* The action keeps one table per address family, indexed by DSCP, so that a
 * lookup is a bit test and an array access.  Unused slots stay all-zeros:
 * ofpacts_equal() compares actions with memcmp(). */

static bool
has_ipv4(const struct ofpact_set_daddr_on_dscp *a, uint8_t dscp)
{
    return (a->ipv4_dscps >> dscp) & 1;
}

static bool
has_ipv6(const struct ofpact_set_daddr_on_dscp *a, uint8_t dscp)
{
    return (a->ipv6_dscps >> dscp) & 1;
}

/* Parses a DSCP with the number syntax of l3dsr_parse_number(). */
static bool
parse_dscp(const char *s, uint8_t *dscp)
{
    uint32_t value;

    if (!l3dsr_parse_number(s, DADDR_ON_DSCP_N - 1, &value)) {
        return false;
    }
    *dscp = value;
    return true;
}

/* Parses 'arg', the text between the parentheses of
 * "set_daddr_on_dscp(DSCP=ADDR[,DSCP=ADDR]...)", and appends the action to
 * 'ofpacts'.  Returns NULL if successful, otherwise a malloc()'d string that
 * describes the problem; the action may then be partly filled in, and the
 * caller discards 'ofpacts', as Open vSwitch's parsers do. */
char * OVS_WARN_UNUSED_RESULT
daddr_on_dscp_parse(char *arg, struct ofpbuf *ofpacts)
{
    struct ofpact_set_daddr_on_dscp *a = ofpact_put_SET_DADDR_ON_DSCP(ofpacts);
    char *key, *value;

    while (ofputil_parse_key_value(&arg, &key, &value)) {
        uint8_t dscp;
        ovs_be32 ip;
        struct in6_addr ip6;

        if (!*value) {
            return xasprintf("set_daddr_on_dscp: \"%s\": expected "
                             "DSCP=ADDRESS", key);
        }
        if (!parse_dscp(key, &dscp)) {
            return xasprintf("set_daddr_on_dscp: \"%s\": DSCP must be a "
                             "number between 0 and 63", key);
        }
        if (ip_parse(value, &ip)) {
            if (has_ipv4(a, dscp)) {
                return xasprintf("set_daddr_on_dscp: DSCP %"PRIu8" has more "
                                 "than one IPv4 address", dscp);
            }
            a->ipv4_dscps |= UINT64_C(1) << dscp;
            a->ipv4[dscp] = ip;
        } else if (ipv6_parse(value, &ip6)) {
            if (has_ipv6(a, dscp)) {
                return xasprintf("set_daddr_on_dscp: DSCP %"PRIu8" has more "
                                 "than one IPv6 address", dscp);
            }
            a->ipv6_dscps |= UINT64_C(1) << dscp;
            a->ipv6[dscp] = ip6;
        } else {
            return xasprintf("set_daddr_on_dscp: \"%s\": not an IPv4 or IPv6 "
                             "address", value);
        }
    }

    if (!a->ipv4_dscps && !a->ipv6_dscps) {
        return xstrdup("set_daddr_on_dscp: at least one DSCP=ADDRESS entry "
                       "is required");
    }
    return NULL;
}

/* Appends the canonical form of the map in 'a' to 's': IPv4 entries first,
 * then IPv6, each by ascending DSCP, without the surrounding parentheses. */
void
daddr_on_dscp_format(const struct ofpact_set_daddr_on_dscp *a,
                     struct ds *s)
{
    const char *sep = "";

    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv4(a, dscp)) {
            ds_put_format(s, "%s%d="IP_FMT, sep, dscp,
                          IP_ARGS(a->ipv4[dscp]));
            sep = ",";
        }
    }
    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv6(a, dscp)) {
            ds_put_format(s, "%s%d=", sep, dscp);
            ipv6_format_addr(&a->ipv6[dscp], s);
            sep = ",";
        }
    }
}

/* Logs 'why' as the reason that decoding failed with 'error', and returns
 * 'error'. */
static enum ofperr
decode_error(enum ofperr error, const char *why)
{
    VLOG_WARN_RL(&rl, "set_daddr_on_dscp: %s", why);
    return error;
}

/* Decodes 'nad' and the entries that follow it and appends the action to
 * 'ofpacts'.  'nad->len' must already have been checked to cover the whole
 * action in the OpenFlow message, as ofp-actions does before calling any
 * decoder.  On error, the action may hold part of the map; the caller
 * discards 'ofpacts' then. */
enum ofperr
daddr_on_dscp_decode(const struct nx_action_set_daddr_on_dscp *nad,
                     struct ofpbuf *ofpacts)
{
    struct ofpact_set_daddr_on_dscp *a = ofpact_put_SET_DADDR_ON_DSCP(ofpacts);
    const uint8_t *p = (const uint8_t *) (nad + 1);
    size_t left = ntohs(nad->len) - sizeof *nad;
    unsigned int n_entries = ntohs(nad->n_entries);

    if (!is_all_zeros(nad->pad, sizeof nad->pad)) {
        return OFPERR_NXBRC_MUST_BE_ZERO;
    }
    if (!n_entries) {
        return decode_error(OFPERR_OFPBAC_BAD_ARGUMENT, "no entries");
    }

    for (unsigned int i = 0; i < n_entries; i++) {
        if (!left) {
            return OFPERR_OFPBAC_BAD_LEN;
        }
        if (p[0] == NX_DADDR_ON_DSCP_IPV4) {
            const struct nx_daddr_on_dscp_ipv4 *e = (const void *) p;

            if (left < sizeof *e) {
                return OFPERR_OFPBAC_BAD_LEN;
            }
            if (!is_all_zeros(e->pad, sizeof e->pad)) {
                return OFPERR_NXBRC_MUST_BE_ZERO;
            }
            if (e->dscp >= DADDR_ON_DSCP_N || has_ipv4(a, e->dscp)) {
                return decode_error(OFPERR_OFPBAC_BAD_ARGUMENT,
                                    "bad or repeated IPv4 DSCP");
            }
            a->ipv4_dscps |= UINT64_C(1) << e->dscp;
            a->ipv4[e->dscp] = e->addr;
            p += sizeof *e;
            left -= sizeof *e;
        } else if (p[0] == NX_DADDR_ON_DSCP_IPV6) {
            const struct nx_daddr_on_dscp_ipv6 *e = (const void *) p;

            if (left < sizeof *e) {
                return OFPERR_OFPBAC_BAD_LEN;
            }
            if (!is_all_zeros(e->pad, sizeof e->pad)) {
                return OFPERR_NXBRC_MUST_BE_ZERO;
            }
            if (e->dscp >= DADDR_ON_DSCP_N || has_ipv6(a, e->dscp)) {
                return decode_error(OFPERR_OFPBAC_BAD_ARGUMENT,
                                    "bad or repeated IPv6 DSCP");
            }
            a->ipv6_dscps |= UINT64_C(1) << e->dscp;
            memcpy(&a->ipv6[e->dscp], e->addr, sizeof e->addr);
            p += sizeof *e;
            left -= sizeof *e;
        } else {
            return decode_error(OFPERR_OFPBAC_BAD_ARGUMENT,
                                "unknown address family");
        }
    }

    /* Bytes beyond the last entry would be ignored by this decoder but might
     * mean something to the sender: refuse them. */
    return left ? OFPERR_OFPBAC_BAD_LEN : 0;
}

/* Appends the entries of 'a' to 'out', which must end with the fixed part of
 * the action as put_NXAST_SET_DADDR_ON_DSCP() leaves it, and sets the
 * action's 'len' and 'n_entries'. */
void
daddr_on_dscp_encode(const struct ofpact_set_daddr_on_dscp *a,
                     struct ofpbuf *out)
{
    size_t start_ofs = out->size - sizeof(struct nx_action_set_daddr_on_dscp);
    unsigned int n_entries = 0;

    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv4(a, dscp)) {
            struct nx_daddr_on_dscp_ipv4 *e = ofpbuf_put_zeros(out,
                                                               sizeof *e);
            e->family = NX_DADDR_ON_DSCP_IPV4;
            e->dscp = dscp;
            e->addr = a->ipv4[dscp];
            n_entries++;
        }
    }
    for (int dscp = 0; dscp < DADDR_ON_DSCP_N; dscp++) {
        if (has_ipv6(a, dscp)) {
            struct nx_daddr_on_dscp_ipv6 *e = ofpbuf_put_zeros(out,
                                                               sizeof *e);
            e->family = NX_DADDR_ON_DSCP_IPV6;
            e->dscp = dscp;
            memcpy(e->addr, &a->ipv6[dscp], sizeof e->addr);
            n_entries++;
        }
    }

    struct nx_action_set_daddr_on_dscp *nad;
    nad = ofpbuf_at_assert(out, start_ofs, sizeof *nad);
    nad->len = htons(out->size - start_ofs);
    nad->n_entries = htons(n_entries);
}
