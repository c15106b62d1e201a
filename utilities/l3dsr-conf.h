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

#ifndef L3DSR_CONF_H
#define L3DSR_CONF_H 1

/* ovs-l3dsr's configuration: the dsr.conf(5) format of dsrtools' dsrctl.
 *
 * Each line holds one entry, "VIP=DSCP" for L3DSR or "VIP" for L2DSR, or
 * nothing.  VIP is an IPv4 address in dotted decimal, an IPv6 address in
 * colon-separated hex (at most one "::", either case, no embedded IPv4) or,
 * as in dsrctl, a host name that resolves to an IPv4 address.  DSCP is 0 to
 * 63, in decimal (33), octal (041) or hex (0x21).  Spaces and tabs may
 * appear anywhere except inside the VIP or the DSCP.  "#" starts a comment
 * that runs to the end of the line.
 *
 * As with dsrctl, a configuration is all or nothing: any line that is not
 * blank, a comment or a valid entry, a file that cannot be read, and a DSCP
 * that stands for two VIPs of one address family (the load balancer's
 * marking would be ambiguous) make the whole configuration invalid.  An
 * entry written twice is reported and read once.  A configuration without
 * entries is valid: there is nothing to start.
 *
 * Reading is bounded, so that a wrong file (/dev/zero, a log) fails fast:
 * a line may have at most L3DSR_CONF_MAX_LINE bytes, a file at most
 * L3DSR_CONF_MAX_FILE, and a directory tree at most L3DSR_CONF_MAX_ENTRIES
 * entries.  Reading stops at L3DSR_CONF_MAX_ERRORS errors.
 *
 * On a hypervisor, the real servers are virtual machines or containers
 * behind the host's bridge, and each has VIPs of its own: a servers
 * directory (--servers) holds one file per server, named by its real
 * address (RIP), e.g. "10.0.0.5.conf", with the L3DSR entries of that
 * server, in the same format.  A DSCP then stands for one VIP per server:
 * two servers may use one DSCP for different VIPs, since the load balancer
 * sends each packet to one RIP.  Such entries give flows only: their VIPs
 * and ARP sysctls belong to the server itself. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include "svec.h"

struct ds;

#define L3DSR_CONF_MAX_LINE 4096        /* Bytes in a line, without '\n'. */
#define L3DSR_CONF_MAX_FILE (1 << 20)   /* Bytes in a file. */
#define L3DSR_CONF_MAX_ENTRIES 10000    /* Names examined in a -d tree. */
#define L3DSR_CONF_MAX_ERRORS 100       /* Errors before reading stops. */

/* One valid entry. */
struct l3dsr_vip {
    char *file;                 /* File name, as shown to the user. */
    int line;                   /* Line number in 'file', from 1. */
    char *text;                 /* "VIP=DSCP" as written, no blanks. */
    char *name;                 /* Host name written for VIP, or NULL. */
    struct in6_addr addr;       /* VIP; IPv4 as an IPv4-mapped address. */
    int dscp;                   /* 0...63 for L3DSR, -1 for L2DSR. */
    struct in6_addr server;     /* RIP of the server behind the bridge that
                                 * holds the VIP, or all-zeros for a VIP of
                                 * this host; IPv4 as IPv4-mapped. */
};

struct l3dsr_conf {
    struct l3dsr_vip *vips;     /* Valid entries, in the order read. */
    size_t n_vips, allocated_vips;

    struct svec diags;          /* Messages, "FILE:LINE: ...", as found. */
    size_t n_ignored;           /* Entries written twice, read once. */
    size_t n_invalid;           /* Lines that are not valid. */
    size_t n_conflicts;         /* DSCPs of a family with two VIPs. */
    size_t n_unreadable;        /* Files or directories that can't be read,
                                 * or that exceed a bound. */
    bool no_dir;                /* -d names no directory: dsrctl's "is
                                 * dsrtools installed?" case, no entries. */
    struct in6_addr server;     /* The server whose file is being read, or
                                 * all-zeros. */
};

void l3dsr_conf_init(struct l3dsr_conf *);
void l3dsr_conf_destroy(struct l3dsr_conf *);

void l3dsr_conf_read_file(struct l3dsr_conf *, const char *file_name);
void l3dsr_conf_read_dir(struct l3dsr_conf *, const char *dir_name);
void l3dsr_conf_read(struct l3dsr_conf *, const char *file_name,
                     const char *dir_name, const char *servers_dir);
void l3dsr_conf_read_servers(struct l3dsr_conf *, const char *dir_name);
void l3dsr_conf_parse_line(struct l3dsr_conf *, const char *file_name,
                           int line_number, const char *line);
void l3dsr_conf_invalid_line(struct l3dsr_conf *, const char *file_name,
                             int line_number, const char *problem);

bool l3dsr_conf_is_valid(const struct l3dsr_conf *);
bool l3dsr_conf_has_host_ipv4(const struct l3dsr_conf *);
bool l3dsr_conf_has_l3(const struct l3dsr_conf *);
bool l3dsr_conf_has_host_addr(const struct l3dsr_conf *,
                              const struct in6_addr *);

size_t l3dsr_conf_n_errors(const struct l3dsr_conf *);

void l3dsr_vip_format(const struct l3dsr_vip *, struct ds *);
void l3dsr_addr_format(const struct in6_addr *, bool ipv4, struct ds *);

static inline bool
l3dsr_vip_is_ipv4(const struct l3dsr_vip *vip)
{
    return IN6_IS_ADDR_V4MAPPED(&vip->addr);
}

/* Returns true if 'vip' is a VIP of a server behind the bridge, false if it
 * is one of this host. */
static inline bool
l3dsr_vip_on_server(const struct l3dsr_vip *vip)
{
    return !IN6_IS_ADDR_UNSPECIFIED(&vip->server);
}

static inline bool
l3dsr_vip_is_l3(const struct l3dsr_vip *vip)
{
    return vip->dscp >= 0;
}

#endif /* l3dsr-conf.h */
