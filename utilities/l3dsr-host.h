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

#ifndef L3DSR_HOST_H
#define L3DSR_HOST_H 1

/* What ovs-l3dsr changes in the host's network stack, in the network
 * namespace it runs in: VIPs as host addresses on the loopback device
 * (rtnetlink), and the ARP sysctls that keep those addresses off the wire
 * (procfs). */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include "compiler.h"

struct ds;

/* The sysctls that DSR needs, with the values it needs.  arp_ignore=1:
 * answer ARP only for addresses of the interface the request came in on, so
 * never for a VIP on "lo".  arp_announce=2: never use a VIP as the source
 * of an ARP request.  The kernel applies the larger of the "all" and the
 * per-interface value, so "all" covers every interface. */
#define L3DSR_ARP_IGNORE "net.ipv4.conf.all.arp_ignore"
#define L3DSR_ARP_IGNORE_VALUE 1
#define L3DSR_ARP_ANNOUNCE "net.ipv4.conf.all.arp_announce"
#define L3DSR_ARP_ANNOUNCE_VALUE 2

/* Both of them, in the order to set them. */
struct l3dsr_sysctl_need {
    const char *name;
    int value;
};
#define L3DSR_N_ARP_SYSCTLS 2
extern const struct l3dsr_sysctl_need l3dsr_arp_sysctls[L3DSR_N_ARP_SYSCTLS];

/* Addresses on the loopback device; IPv4 as IPv4-mapped addresses. */
struct l3dsr_addrs {
    struct in6_addr *addrs;
    size_t n, allocated;
};

void l3dsr_addrs_init(struct l3dsr_addrs *);
void l3dsr_addrs_destroy(struct l3dsr_addrs *);
void l3dsr_addrs_add(struct l3dsr_addrs *, const struct in6_addr *);
void l3dsr_addrs_remove(struct l3dsr_addrs *, const struct in6_addr *);
bool l3dsr_addrs_contains(const struct l3dsr_addrs *,
                          const struct in6_addr *);

int l3dsr_lo_get_addrs(struct l3dsr_addrs *, struct l3dsr_addrs *mapped6)
    OVS_WARN_UNUSED_RESULT;
int l3dsr_lo_add(const struct in6_addr *) OVS_WARN_UNUSED_RESULT;
int l3dsr_lo_del(const struct in6_addr *) OVS_WARN_UNUSED_RESULT;
void l3dsr_format_alias(const struct in6_addr *, struct ds *);

int l3dsr_sysctl_get(const char *name, int *value) OVS_WARN_UNUSED_RESULT;
int l3dsr_sysctl_set(const char *name, int value) OVS_WARN_UNUSED_RESULT;

#endif /* l3dsr-host.h */
