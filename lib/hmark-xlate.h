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

#ifndef HMARK_XLATE_H
#define HMARK_XLATE_H 1

/* Translation of the "hmark" action (see hmark.h) by
 * ofproto/ofproto-dpif-xlate.c: into the datapath action (odp-hmark.h)
 * where the datapath has it and the action writes pkt_mark, otherwise by
 * computing the mark from the flow, or from the packet where the flow does
 * not hold what the mark depends on. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/flow.h"

struct dp_packet;
struct ds;
struct flow;
struct ofpact_hmark;
struct ovs_action_hmark;

/* The mark computed from a flow. */
enum hmark_flow_result {
    HMARK_UNCHANGED,            /* The mark stays as it is. */
    HMARK_VALUE,                /* '*mark' holds the result. */
    HMARK_NEEDS_PACKET,         /* Depends on bytes the flow does not hold. */
};
enum hmark_flow_result hmark_flow(const struct ovs_action_hmark *,
                                  const struct flow *,
                                  struct flow_wildcards *, uint32_t *mark,
                                  const char **why);

/* Translation without the datapath action. */
bool hmark_xlate(const struct ofpact_hmark *, struct flow *,
                 struct flow_wildcards *, const struct dp_packet *,
                 const struct flow *packet_flow, struct ds *trace);

/* State of one translation that emitted the datapath action.  Zero-initialize
 * it with the translation context. */
struct hmark_xlate_state {
    bool pending;               /* The datapath action was emitted. */
    bool slow;                  /* Its value needed the packet. */
    uint32_t pkt_mark_mask;     /* pkt_mark wildcards before the action. */
    struct flow_wildcards wc;   /* What its value depends on. */
};

bool hmark_xlate_dp_ok(const struct hmark_xlate_state *,
                       const struct ofpact_hmark *, const struct flow *);
void hmark_xlate_dp(struct hmark_xlate_state *, const struct ofpact_hmark *,
                    struct flow *, struct flow *base_flow,
                    struct flow_wildcards *, const struct dp_packet *,
                    const struct flow *packet_flow, struct ds *trace);
bool hmark_xlate_finish(struct hmark_xlate_state *, struct flow_wildcards *);

#endif /* hmark-xlate.h */
