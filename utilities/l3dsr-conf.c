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
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
        }
        free(conf->vips);
        svec_destroy(&conf->diags);
    }
}

/* A configuration is usable if every file could be read, at least one entry
 * is valid and no DSCP stands for two VIPs of one family. */
bool
l3dsr_conf_is_valid(const struct l3dsr_conf *conf)
{
    return !conf->n_unreadable && !conf->n_conflicts && conf->n_vips;
}

bool
l3dsr_conf_has_ipv4(const struct l3dsr_conf *conf)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        if (l3dsr_vip_is_ipv4(&conf->vips[i])) {
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

bool
l3dsr_conf_has_addr(const struct l3dsr_conf *conf,
                    const struct in6_addr *addr)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        if (ipv6_addr_equals(&conf->vips[i].addr, addr)) {
            return true;
        }
    }
    return false;
}

/* Appends "VIP=DSCP" or "VIP" to 's', in canonical form. */
void
l3dsr_vip_format(const struct l3dsr_vip *vip, struct ds *s)
{
    ipv6_format_mapped(&vip->addr, s);
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

    if (s[strspn(s, "0123456789.")]) {
        return xasprintf("\"%s\" is not an IP address (host names are not "
                         "supported)", s);
    }

    /* inet_pton() takes only four decimal parts without leading zeros, so
     * that "010.1.1.1" cannot mean different things to different tools. */
    struct in_addr ip;
    if (inet_pton(AF_INET, s, &ip) != 1) {
        return xasprintf("\"%s\" is not an IPv4 address", s);
    }
    if (!ip.s_addr || ip_is_multicast(ip.s_addr)
        || ip.s_addr == htonl(0xffffffff)) {
        return xasprintf("\"%s\" is not a unicast address", s);
    }
    if ((ntohl(ip.s_addr) >> 24) == 127) {
        return xasprintf("\"%s\" is a loopback address", s);
    }
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
 * is a conflict.  Returns true if 'vip' should be added. */
static bool
check_vip(struct l3dsr_conf *conf, const struct l3dsr_vip *vip)
{
    for (size_t i = 0; i < conf->n_vips; i++) {
        const struct l3dsr_vip *old = &conf->vips[i];

        if (old->dscp == vip->dscp
            && ipv6_addr_equals(&old->addr, &vip->addr)) {
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
            && l3dsr_vip_is_ipv4(old) == l3dsr_vip_is_ipv4(vip)) {
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
    if (problem) {
        goto error;
    }

    vip.file = xstrdup(file_name);
    vip.line = line_number;
    vip.text = (dscp_s
                ? xasprintf("%s=%s", vip_s, dscp_s)
                : xstrdup(vip_s));
    if (check_vip(conf, &vip)) {
        if (conf->n_vips >= conf->allocated_vips) {
            conf->vips = x2nrealloc(conf->vips, &conf->allocated_vips,
                                    sizeof *conf->vips);
        }
        conf->vips[conf->n_vips++] = vip;
    } else {
        free(vip.file);
        free(vip.text);
    }
    free(vip_s);
    free(dscp_s);
    free(text);
    return;

error:
    diag(conf, file_name, line_number, "\"%s\": %s; entry ignored",
         text, problem);
    conf->n_ignored++;
    free(problem);
    free(vip_s);
    free(dscp_s);
    free(text);
}

/* Reads every entry of configuration file 'file_name' into 'conf'. */
void
l3dsr_conf_read_file(struct l3dsr_conf *conf, const char *file_name)
{
    FILE *stream = fopen(file_name, "r");
    if (!stream) {
        svec_add_nocopy(&conf->diags,
                        xasprintf("%s: cannot read (%s)", file_name,
                                  ovs_strerror(errno)));
        conf->n_unreadable++;
        return;
    }

    struct ds line = DS_EMPTY_INITIALIZER;
    int line_number = 0;
    while (!ds_get_line(&line, stream)) {
        l3dsr_conf_parse_line(conf, file_name, ++line_number,
                              ds_cstr(&line));
    }
    if (ferror(stream)) {
        svec_add_nocopy(&conf->diags,
                        xasprintf("%s:%d: read error (%s)", file_name,
                                  line_number + 1, ovs_strerror(errno)));
        conf->n_unreadable++;
    }
    ds_destroy(&line);
    fclose(stream);
}

/* Reads every "*.conf" file in directory 'dir_name', in byte order of their
 * names, into 'conf'.  Like dsrctl, follows symbolic links and skips what is
 * not a regular file. */
void
l3dsr_conf_read_dir(struct l3dsr_conf *conf, const char *dir_name)
{
    DIR *dir = opendir(dir_name);
    if (!dir) {
        svec_add_nocopy(&conf->diags,
                        xasprintf("%s: cannot read directory (%s)",
                                  dir_name, ovs_strerror(errno)));
        conf->n_unreadable++;
        return;
    }

    const char *sep = dir_name[strlen(dir_name) - 1] == '/' ? "" : "/";
    struct svec files = SVEC_EMPTY_INITIALIZER;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);
        struct stat st;

        if (len <= 5 || strcmp(de->d_name + len - 5, ".conf")) {
            continue;
        }
        char *file_name = xasprintf("%s%s%s", dir_name, sep, de->d_name);
        if (!stat(file_name, &st) && S_ISREG(st.st_mode)) {
            svec_add_nocopy(&files, file_name);
        } else {
            free(file_name);
        }
    }
    closedir(dir);

    svec_sort(&files);
    const char *file_name;
    size_t i;
    SVEC_FOR_EACH (i, file_name, &files) {
        l3dsr_conf_read_file(conf, file_name);
    }
    if (!files.n) {
        svec_add_nocopy(&conf->diags,
                        xasprintf("%s: no *.conf file", dir_name));
    }
    svec_destroy(&files);
}
