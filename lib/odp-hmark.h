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

#ifndef ODP_HMARK_H
#define ODP_HMARK_H 1

/* The OVS_ACTION_ATTR_HMARK datapath action: the datapath side of hmark (see
 * hmark.h).
 *
 * The attribute holds a struct ovs_action_hmark, the parameters of Linux's
 * xt_HMARK target with the prefixes turned into masks, so that a datapath
 * needs nothing but the kernel's algorithm: it sets the packet's mark to the
 * hash of each packet. */

#include <stdbool.h>
#include "compiler.h"

struct dp_packet_batch;
struct dpif;
struct ds;
struct nlattr;
struct ofpact_hmark;
struct ofpbuf;

void odp_hmark_put(const struct ofpact_hmark *, struct ofpbuf *odp_actions);

void odp_hmark_format(const struct nlattr *, struct ds *);
int odp_hmark_parse(const char *s, struct ofpbuf *odp_actions)
    OVS_WARN_UNUSED_RESULT;

void odp_hmark_execute(struct dp_packet_batch *, const struct nlattr *);

bool odp_hmark_probe(struct dpif *);

#endif /* odp-hmark.h */
