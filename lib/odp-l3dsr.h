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

#ifndef ODP_L3DSR_H
#define ODP_L3DSR_H 1

/* Helpers that both actions share, for their datapath side (odp-X.c) and
 * their translation (X-xlate.c). */

#include <stdbool.h>
#include "openvswitch/types.h"

struct dp_packet;
struct dpif;
struct in6_addr;
struct ofpbuf;

bool odp_l3dsr_probe_ipv4_action(struct dpif *, const char *name,
                                 const struct ofpbuf *actions);
ovs_be16 odp_l3dsr_l3_type(const struct dp_packet *);
void l3dsr_ipv6_mask_or(struct in6_addr *mask, const struct in6_addr *more);

#endif /* odp-l3dsr.h */
