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

#include "l3dsr-conf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

/* Largest DSCP. */
#define MAX_DSCP 63

void
l3dsr_conf_init(struct l3dsr_conf *conf)
{
    memset(conf, 0, sizeof *conf);
    svec_init(&conf->diags);
}

void
l3dsr_conf_destroy(struct l3dsr_conf *conf)
{
    if (conf) {
        for (size_t i = 0; i < conf->n_vips; i++) {
            free(conf->vips[i].file);
            free(conf->vips[i].text);
            free(conf->vips[i].name);
        }
        free(conf->vips);
        svec_destroy(&conf->diags);
    }
}

/* Returns the number of problems that make 'conf' invalid. */
size_t
l3dsr_conf_n_errors(const struct l3dsr_conf *conf)
{
    return conf->n_unreadable + conf->n_invalid + conf->n_conflicts;
}

/* A configuration is usable if every file could be read, every line is
 * valid and no DSCP stands for two VIPs of one family, as dsrctl decides.
 * It may have no entry at all. */
bool
l3dsr_conf_is_valid(const struct l3dsr_conf *conf)
{
    return !l3dsr_conf_n_errors(conf);
}

/* Returns true if 'conf' has an IPv4 VIP of this host (which needs the ARP
 * sysctls). */
bool
l3dsr_conf_has_host_ipv4(const struct l3dsr_conf *conf)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        if (l3dsr_vip_is_ipv4(&conf->vips[i])
            && !l3dsr_vip_on_server(&conf->vips[i])) {
            return true;
        }
    }
    return false;
}

bool
l3dsr_conf_has_l3(const struct l3dsr_conf *conf)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        if (l3dsr_vip_is_l3(&conf->vips[i])) {
            return true;
        }
    }
    return false;
}

/* Returns true if 'addr' is a VIP of this host in 'conf' (which goes on
 * "lo"). */
bool
l3dsr_conf_has_host_addr(const struct l3dsr_conf *conf,
                         const struct in6_addr *addr)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        if (ipv6_addr_equals(&conf->vips[i].addr, addr)
            && !l3dsr_vip_on_server(&conf->vips[i])) {
            return true;
        }
    }
    return false;
}

/* Appends 'addr' to 's': if 'ipv4', as the dotted decimal IPv4 address it
 * maps, otherwise as an IPv6 address in the form of RFC 5952 but never with
 * an embedded IPv4 address (inet_ntop() writes "::ffff:10.0.0.1" and
 * "::1.2.3.4"), so that the parser of dsr.conf reads it back as the same
 * IPv6 address. */
void
l3dsr_addr_format(const struct in6_addr *addr, bool ipv4, struct ds *s)
{
    if (ipv4) {
        ds_put_format(s, IP_FMT, IP_ARGS(in6_addr_get_mapped_ipv4(addr)));
        return;
    }

    uint16_t words[8];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8; i++) {
        words[i] = (addr->s6_addr[2 * i] << 8) | addr->s6_addr[2 * i + 1];
    }
    for (int i = 0; i < 8; i++) {
        int len = 0;
        while (i + len < 8 && !words[i + len]) {
            len++;
        }
        if (len > best_len) {
            best = i;
            best_len = len;
        }
        i += len;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            ds_put_cstr(s, "::");
            i += best_len - 1;
        } else {
            ds_put_format(s, "%s%x", i && i != best + best_len ? ":" : "",
                          words[i]);
        }
    }
}

/* Appends "VIP=DSCP" or "VIP" to 's', in canonical form. */
void
l3dsr_vip_format(const struct l3dsr_vip *vip, struct ds *s)
{
    l3dsr_addr_format(&vip->addr, l3dsr_vip_is_ipv4(vip), s);
    if (l3dsr_vip_is_l3(vip)) {
        ds_put_format(s, "=%d", vip->dscp);
    }
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Returns a copy of the 'n' bytes at 's' without leading and trailing
 * blanks. */
static char *
trim(const char *s, size_t n)
{
    while (n && is_blank(*s)) {
        s++;
        n--;
    }
    while (n && is_blank(s[n - 1])) {
        n--;
    }
    return xmemdup0(s, n);
}

static bool
has_blank(const char *s)
{
    return strpbrk(s, " \t\r") != NULL;
}

/* Parses DSCP 's' as dsrctl does: "0", decimal without a leading zero, octal
 * with one ("041") or hexadecimal with "0x" ("0x21").  Returns NULL and
 * stores the value in '*dscp' if successful, otherwise a malloc()'d
 * description of the problem. */
static char *
parse_dscp(const char *s, int *dscp)
{
    unsigned long long int value = 0;
    bool overflow = false;
    const char *digits = s;
    int base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        digits = s + 2;
    } else if (s[0] == '0' && s[1]) {
        base = 8;
        digits = s + 1;
    }
    if (!*digits) {
        goto not_a_number;
    }
    for (const char *p = digits; *p; p++) {
        int digit = hexit_value(*p);
        if (digit < 0 || digit >= base) {
            goto not_a_number;
        }
        if (value > (ULLONG_MAX - digit) / base) {
            overflow = true;
        } else {
            value = value * base + digit;
        }
    }

    if (overflow || value > MAX_DSCP) {
        if (base == 10 || overflow) {
            return xasprintf("DSCP \"%s\" is out of range (maximum %d)",
                             s, MAX_DSCP);
        }
        return xasprintf("DSCP \"%s\" (%llu) is out of range (maximum %d)",
                         s, value, MAX_DSCP);
    }
    *dscp = value;
    return NULL;

not_a_number:
    return xasprintf("DSCP \"%s\" is not a number (write it in decimal 33, "
                     "octal 041 or hex 0x21)", s);
}

/* Resolves host name 's' into its first IPv4 address, as dsrctl does with
 * "getent ahostsv4": dsrctl takes a host name for its IPv4 address only,
 * for L3DSR and L2DSR entries alike, even if it has IPv6 addresses.
 * Returns NULL if successful, otherwise a malloc()'d description of the
 * problem. */
static char *
resolve_name(const char *s, struct in_addr *ip)
{
    /* The characters of dsrctl's host name pattern. */
    for (const char *p = s; *p; p++) {
        if (!isalnum((unsigned char) *p) && *p != '.' && *p != '-') {
            return xasprintf("\"%s\" is not an IP address or a host name",
                             s);
        }
    }

    /* getaddrinfo() would take "0xa000001" or "10.1" as numbers, in
     * another form than the strict dotted decimal of an IPv4 VIP. */
    struct in_addr numeric;
    if (inet_aton(s, &numeric)) {
        return xasprintf("\"%s\" is not an IPv4 address in dotted decimal",
                         s);
    }

    struct addrinfo hints = {
        .ai_family = AF_INET,
        .ai_socktype = SOCK_DGRAM,
    };
    struct addrinfo *ai;
    int error = getaddrinfo(s, NULL, &hints, &ai);
    if (error) {
        return xasprintf("host name \"%s\" does not resolve to an IPv4 "
                         "address (%s)", s,
                         (error == EAI_SYSTEM ? ovs_strerror(errno)
                          : gai_strerror(error)));
    }
    struct sockaddr_in sin;
    memcpy(&sin, ai->ai_addr, sizeof sin);
    *ip = sin.sin_addr;
    freeaddrinfo(ai);
    return NULL;
}

/* Parses VIP 's' into 'addr' (IPv4 as an IPv4-mapped address).  Returns
 * NULL if successful, otherwise a malloc()'d description of the problem. */
static char *
parse_vip(const char *s, struct in6_addr *addr)
{
    if (strchr(s, ':')) {
        if (strchr(s, '.')) {
            return xasprintf("\"%s\" is IPv6 with an embedded IPv4 address, "
                             "which is not supported", s);
        }
        if (inet_pton(AF_INET6, s, addr) != 1) {
            return xasprintf("\"%s\" is not an IPv6 address", s);
        }
        if (ipv6_is_zero(addr) || ipv6_addr_is_multicast(addr)) {
            return xasprintf("\"%s\" is not a unicast address", s);
        }
        if (ipv6_addr_equals(addr, &in6addr_loopback)) {
            return xasprintf("\"%s\" is a loopback address", s);
        }
        if (IN6_IS_ADDR_V4MAPPED(addr)) {
            return xasprintf("\"%s\" is an IPv4-mapped address", s);
        }
        return NULL;
    }

    struct in_addr ip;
    char *name = NULL;
    if (!s[strspn(s, "0123456789.")]) {
        /* inet_pton() takes only four decimal parts without leading zeros,
         * so that "010.1.1.1" cannot mean different things to different
         * tools. */
        if (inet_pton(AF_INET, s, &ip) != 1) {
            return xasprintf("\"%s\" is not an IPv4 address", s);
        }
    } else {
        char *error = resolve_name(s, &ip);
        if (error) {
            return error;
        }
        name = xasprintf("\"%s\" resolves to "IP_FMT", which",
                         s, IP_ARGS(ip.s_addr));
    }

    char *problem = NULL;
    if (!ip.s_addr || ip_is_multicast(ip.s_addr)
        || ip.s_addr == htonl(0xffffffff)) {
        problem = "not a unicast address";
    } else if ((ntohl(ip.s_addr) >> 24) == 127) {
        problem = "a loopback address";
    }
    if (problem) {
        char *msg = (name
                     ? xasprintf("%s is %s", name, problem)
                     : xasprintf("\"%s\" is %s", s, problem));
        free(name);
        return msg;
    }
    free(name);
    in6_addr_set_mapped_ipv4(addr, ip.s_addr);
    return NULL;
}

static void OVS_PRINTF_FORMAT(4, 5)
diag(struct l3dsr_conf *conf, const char *file_name, int line_number,
     const char *format, ...)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    va_list args;

    ds_put_format(&s, "%s:%d: ", file_name, line_number);
    va_start(args, format);
    ds_put_format_valist(&s, format, args);
    va_end(args);
    svec_add_nocopy(&conf->diags, ds_steal_cstr(&s));
}

/* Checks the new entry 'vip' against those already read: an identical entry
 * is ignored, a DSCP that already stands for another VIP of the same family
 * and the same server (or this host) is a conflict.  Returns true if 'vip'
 * should be added. */
static bool
check_vip(struct l3dsr_conf *conf, const struct l3dsr_vip *vip)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *old = &conf->vips[i];

        if (old->dscp == vip->dscp
            && ipv6_addr_equals(&old->addr, &vip->addr)
            && ipv6_addr_equals(&old->server, &vip->server)) {
            diag(conf, vip->file, vip->line,
                 "\"%s\": same entry as %s:%d; entry ignored",
                 vip->text, old->file, old->line);
            conf->n_ignored++;
            return false;
        }
    }

    if (!l3dsr_vip_is_l3(vip)) {
        return true;
    }
    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *old = &conf->vips[i];

        if (old->dscp == vip->dscp
            && l3dsr_vip_is_ipv4(old) == l3dsr_vip_is_ipv4(vip)
            && ipv6_addr_equals(&old->server, &vip->server)) {
            diag(conf, vip->file, vip->line,
                 "\"%s\": DSCP %d already stands for another %s VIP: "
                 "\"%s\" at %s:%d",
                 vip->text, vip->dscp,
                 l3dsr_vip_is_ipv4(vip) ? "IPv4" : "IPv6",
                 old->text, old->file, old->line);
            conf->n_conflicts++;
            return false;
        }
    }
    return true;
}

/* Returns a malloc()'d problem if 'vip', an entry of a server's file, cannot
 * be served from the bridge, otherwise NULL. */
static char *
check_server_vip(const struct l3dsr_vip *vip)
{
    bool ipv4 = l3dsr_vip_is_ipv4(vip);

    if (!l3dsr_vip_on_server(vip)) {
        return NULL;
    } else if (!l3dsr_vip_is_l3(vip)) {
        return xstrdup("a VIP without DSCP (L2DSR) needs no flow: it "
                       "belongs in the server's own dsr.conf");
    } else if (ipv4 != IN6_IS_ADDR_V4MAPPED(&vip->server)) {
        return xasprintf("an %s VIP for a server with an %s address: "
                         "set_daddr_on_dscp keeps the address family",
                         ipv4 ? "IPv4" : "IPv6", ipv4 ? "IPv6" : "IPv4");
    }
    return NULL;
}

/* Reports line 'line_number' of 'file_name' as invalid because of
 * 'problem'. */
void
l3dsr_conf_invalid_line(struct l3dsr_conf *conf, const char *file_name,
                        int line_number, const char *problem)
{
    diag(conf, file_name, line_number, "%s", problem);
    conf->n_invalid++;
}

/* Parses 'line', line 'line_number' of 'file_name', and adds its entry, if
 * any, to 'conf'. */
void
l3dsr_conf_parse_line(struct l3dsr_conf *conf, const char *file_name,
                      int line_number, const char *line)
{
    char *text = trim(line, strcspn(line, "#"));
    char *vip_s = NULL, *dscp_s = NULL;
    char *problem = NULL;
    struct l3dsr_vip vip;

    if (!*text) {
        free(text);
        return;
    }

    const char *eq = strchr(text, '=');
    if (!eq) {
        vip_s = xstrdup(text);
    } else if (strchr(eq + 1, '=')) {
        problem = xstrdup("more than one \"=\"");
        goto error;
    } else {
        vip_s = trim(text, eq - text);
        dscp_s = trim(eq + 1, strlen(eq + 1));
        if (!*vip_s) {
            problem = xstrdup("no VIP before \"=\"");
            goto error;
        } else if (!*dscp_s) {
            problem = xstrdup("no DSCP after \"=\"");
            goto error;
        }
    }

    if (has_blank(vip_s)) {
        problem = xasprintf("blank inside the VIP \"%s\" (one entry per "
                            "line, VIP or VIP=DSCP)", vip_s);
        goto error;
    } else if (dscp_s && has_blank(dscp_s)) {
        problem = xasprintf("blank inside the DSCP \"%s\"", dscp_s);
        goto error;
    }

    memset(&vip, 0, sizeof vip);
    vip.dscp = -1;
    problem = parse_vip(vip_s, &vip.addr);
    if (!problem && dscp_s) {
        problem = parse_dscp(dscp_s, &vip.dscp);
    }
    if (!problem) {
        vip.server = conf->server;
        problem = check_server_vip(&vip);
    }
    if (problem) {
        goto error;
    }

    vip.file = xstrdup(file_name);
    vip.line = line_number;
    vip.text = (dscp_s
                ? xasprintf("%s=%s", vip_s, dscp_s)
                : xstrdup(vip_s));
    vip.name = (!strchr(vip_s, ':') && vip_s[strspn(vip_s, "0123456789.")]
                ? xstrdup(vip_s) : NULL);
    if (check_vip(conf, &vip)) {
        if (conf->n_vips >= conf->allocated_vips) {
            conf->vips = x2nrealloc(conf->vips, &conf->allocated_vips,
                                    sizeof *conf->vips);
        }
        conf->vips[conf->n_vips++] = vip;
    } else {
        free(vip.file);
        free(vip.text);
        free(vip.name);
    }
    free(vip_s);
    free(dscp_s);
    free(text);
    return;

error:
    diag(conf, file_name, line_number, "\"%s\": %s", text, problem);
    conf->n_invalid++;
    free(problem);
    free(vip_s);
    free(dscp_s);
    free(text);
}
