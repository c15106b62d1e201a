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

#include "l3dsr-host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "l3dsr-conf.h"
#include "netlink.h"
#include "netlink-socket.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "socket-util.h"
#include "util.h"

#define LOOPBACK "lo"
#define SYSCTL_DIR "/proc/sys/"

const struct l3dsr_sysctl_need l3dsr_arp_sysctls[L3DSR_N_ARP_SYSCTLS] = {
    { L3DSR_ARP_IGNORE, L3DSR_ARP_IGNORE_VALUE },
    { L3DSR_ARP_ANNOUNCE, L3DSR_ARP_ANNOUNCE_VALUE },
};

void
l3dsr_addrs_init(struct l3dsr_addrs *addrs)
{
    memset(addrs, 0, sizeof *addrs);
}

void
l3dsr_addrs_destroy(struct l3dsr_addrs *addrs)
{
    if (addrs) {
        free(addrs->addrs);
    }
}

bool
l3dsr_addrs_contains(const struct l3dsr_addrs *addrs,
                     const struct in6_addr *addr)
{
    for (size_t i = 0; i < addrs->n; i++) {
        if (ipv6_addr_equals(&addrs->addrs[i], addr)) {
            return true;
        }
    }
    return false;
}

/* Adds 'addr' to 'addrs', unless it is already there. */
void
l3dsr_addrs_add(struct l3dsr_addrs *addrs, const struct in6_addr *addr)
{
    if (!l3dsr_addrs_contains(addrs, addr)) {
        if (addrs->n >= addrs->allocated) {
            addrs->addrs = x2nrealloc(addrs->addrs, &addrs->allocated,
                                      sizeof *addrs->addrs);
        }
        addrs->addrs[addrs->n++] = *addr;
    }
}

void
l3dsr_addrs_remove(struct l3dsr_addrs *addrs, const struct in6_addr *addr)
{
    for (size_t i = 0; i < addrs->n; i++) {
        if (ipv6_addr_equals(&addrs->addrs[i], addr)) {
            memmove(&addrs->addrs[i], &addrs->addrs[i + 1],
                    (addrs->n - i - 1) * sizeof *addrs->addrs);
            addrs->n--;
            return;
        }
    }
}

/* Appends 'addr' as a host prefix, "192.0.2.1/32" or "2001:db8::1/128". */
void
l3dsr_format_alias(const struct in6_addr *addr, struct ds *s)
{
    bool ipv4 = IN6_IS_ADDR_V4MAPPED(addr);

    l3dsr_addr_format(addr, ipv4, s);
    ds_put_cstr(s, ipv4 ? "/32" : "/128");
}

static int
lo_ifindex(int *ifindex)
{
    *ifindex = if_nametoindex(LOOPBACK);
    return *ifindex ? 0 : errno;
}

/* Stores every IPv4 and IPv6 address of the loopback device in 'addrs',
 * except IPv6 addresses that are IPv4-mapped, which would look like IPv4
 * addresses there: those go to 'mapped6'.  Both must be initialized.
 * Returns 0 or a positive errno value. */
int
l3dsr_lo_get_addrs(struct l3dsr_addrs *addrs, struct l3dsr_addrs *mapped6)
{
    uint64_t reply_stub[NL_DUMP_BUFSIZE / 8];
    struct ofpbuf request, reply, buf;
    struct nl_dump dump;
    int ifindex;
    int error;

    error = lo_ifindex(&ifindex);
    if (error) {
        return error;
    }

    ofpbuf_init(&request, 0);
    nl_msg_put_nlmsghdr(&request, sizeof(struct ifaddrmsg), RTM_GETADDR,
                        NLM_F_REQUEST);
    ofpbuf_put_zeros(&request, sizeof(struct ifaddrmsg));
    nl_dump_start(&dump, NETLINK_ROUTE, &request);
    ofpbuf_uninit(&request);

    ofpbuf_use_stub(&buf, reply_stub, sizeof reply_stub);
    while (nl_dump_next(&dump, &reply, &buf)) {
        const struct ifaddrmsg *ifa;
        const struct nlattr *attr;
        struct in6_addr addr;

        ifa = ofpbuf_at(&reply, NLMSG_HDRLEN, sizeof *ifa);
        if (!ifa || ifa->ifa_index != ifindex) {
            continue;
        }
        /* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer's on a
         * point-to-point link, and IPv6 leaves IFA_LOCAL out. */
        attr = nl_attr_find(&reply, NLMSG_HDRLEN + sizeof *ifa, IFA_LOCAL);
        if (!attr) {
            attr = nl_attr_find(&reply, NLMSG_HDRLEN + sizeof *ifa,
                                IFA_ADDRESS);
        }
        if (!attr) {
            continue;
        }
        if (ifa->ifa_family == AF_INET
            && nl_attr_get_size(attr) == sizeof(ovs_be32)) {
            in6_addr_set_mapped_ipv4(&addr, nl_attr_get_be32(attr));
        } else if (ifa->ifa_family == AF_INET6
                   && nl_attr_get_size(attr) == sizeof addr) {
            memcpy(&addr, nl_attr_get(attr), sizeof addr);
            if (IN6_IS_ADDR_V4MAPPED(&addr)) {
                l3dsr_addrs_add(mapped6, &addr);
                continue;
            }
        } else {
            continue;
        }
        l3dsr_addrs_add(addrs, &addr);
    }
    ofpbuf_uninit(&buf);
    return nl_dump_done(&dump);
}

/* Sends RTM_NEWADDR or RTM_DELADDR for 'addr' as a host prefix on the
 * loopback device and waits for the kernel's answer. */
static int
lo_addr_transact(int type, const struct in6_addr *addr)
{
    bool ipv4 = IN6_IS_ADDR_V4MAPPED(addr);
    struct ofpbuf request;
    struct ifaddrmsg *ifa;
    int ifindex;
    int error;

    error = lo_ifindex(&ifindex);
    if (error) {
        return error;
    }

    ofpbuf_init(&request, 0);
    nl_msg_put_nlmsghdr(&request, sizeof *ifa, type,
                        NLM_F_REQUEST | NLM_F_ACK
                        | (type == RTM_NEWADDR
                           ? NLM_F_CREATE | NLM_F_EXCL : 0));
    ifa = ofpbuf_put_zeros(&request, sizeof *ifa);
    ifa->ifa_family = ipv4 ? AF_INET : AF_INET6;
    ifa->ifa_prefixlen = ipv4 ? 32 : 128;
    ifa->ifa_flags = IFA_F_PERMANENT | (ipv4 ? 0 : IFA_F_NODAD);
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = ifindex;
    if (ipv4) {
        ovs_be32 ip = in6_addr_get_mapped_ipv4(addr);
        nl_msg_put_be32(&request, IFA_LOCAL, ip);
        nl_msg_put_be32(&request, IFA_ADDRESS, ip);
    } else {
        nl_msg_put_unspec(&request, IFA_ADDRESS, addr, sizeof *addr);
    }

    error = nl_transact(NETLINK_ROUTE, &request, NULL);
    ofpbuf_uninit(&request);
    return error;
}

/* Adds 'addr' to the loopback device as a /32 or /128 host address.  Returns
 * 0 or a positive errno value (EEXIST if it is already there). */
int
l3dsr_lo_add(const struct in6_addr *addr)
{
    return lo_addr_transact(RTM_NEWADDR, addr);
}

/* Removes host address 'addr' from the loopback device.  Returns 0 or a
 * positive errno value (EADDRNOTAVAIL if it is not there). */
int
l3dsr_lo_del(const struct in6_addr *addr)
{
    return lo_addr_transact(RTM_DELADDR, addr);
}

/* Returns the procfs file of sysctl 'name', e.g. "net.ipv4.conf.all.x". */
static char *
sysctl_path(const char *name)
{
    struct ds path = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&path, SYSCTL_DIR);
    for (const char *p = name; *p; p++) {
        ds_put_char(&path, *p == '.' ? '/' : *p);
    }
    return ds_steal_cstr(&path);
}

/* Reads integer sysctl 'name' into '*value'.  Returns 0 or a positive errno
 * value. */
int
l3dsr_sysctl_get(const char *name, int *value)
{
    char *path = sysctl_path(name);
    FILE *stream = fopen(path, "r");
    int error = 0;

    if (!stream) {
        error = errno;
    } else {
        if (fscanf(stream, "%d", value) != 1) {
            error = ferror(stream) ? errno : EPROTO;
        }
        fclose(stream);
    }
    free(path);
    return error;
}

/* Sets integer sysctl 'name' to 'value'.  Returns 0 or a positive errno
 * value. */
int
l3dsr_sysctl_set(const char *name, int value)
{
    char *path = sysctl_path(name);
    char *text = xasprintf("%d\n", value);
    int error = 0;
    int fd;

    fd = open(path, O_WRONLY);
    if (fd < 0) {
        error = errno;
    } else {
        size_t n;

        error = write_fully(fd, text, strlen(text), &n);
        if (close(fd) && !error) {
            error = errno;
        }
    }
    free(text);
    free(path);
    return error;
}
