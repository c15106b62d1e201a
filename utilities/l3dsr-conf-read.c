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

/* Reading dsr.conf files and directory trees, as dsrctl does, within the
 * bounds of l3dsr-conf.h. */

#include <config.h>

#include "l3dsr-conf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "openvswitch/dynamic-string.h"
#include "packets.h"
#include "util.h"

/* Reads one line of 'stream', at most L3DSR_CONF_MAX_LINE bytes, into
 * 'line' (without its '\n'), and adds the number of bytes read to '*size'.
 * Returns EOF at the end of the file or on a read error, otherwise 0 and
 * sets '*nul' if the line has a NUL byte (which the line is never cut at)
 * and '*too_long' if it is longer than the bound (its rest is not read). */
static int
read_line(FILE *stream, struct ds *line, size_t *size, bool *nul,
          bool *too_long)
{
    int c;

    ds_clear(line);
    *nul = *too_long = false;
    for (;;) {
        c = getc(stream);
        if (c == EOF) {
            return line->length ? 0 : EOF;
        }
        *size += 1;
        if (c == '\n') {
            return 0;
        } else if (line->length >= L3DSR_CONF_MAX_LINE) {
            *too_long = true;
            return 0;
        } else if (c == '\0') {
            /* Kept as a byte of the line, so that a line of NULs stops at
             * the bound, too. */
            *nul = true;
            ds_put_char(line, ' ');
        } else {
            ds_put_char(line, c);
        }
    }
}

static bool
too_many_errors(const struct l3dsr_conf *conf)
{
    return l3dsr_conf_n_errors(conf) >= L3DSR_CONF_MAX_ERRORS;
}

static void
unreadable(struct l3dsr_conf *conf, char *msg)
{
    svec_add_nocopy(&conf->diags, msg);
    conf->n_unreadable++;
}

/* Reads every entry of configuration file 'file_name' into 'conf'. */
void
l3dsr_conf_read_file(struct l3dsr_conf *conf, const char *file_name)
{
    FILE *stream = fopen(file_name, "r");
    if (!stream) {
        unreadable(conf, xasprintf("%s: cannot read (%s)", file_name,
                                   ovs_strerror(errno)));
        return;
    }

    struct ds line = DS_EMPTY_INITIALIZER;
    int line_number = 0;
    size_t size = 0;
    bool nul, too_long;
    while (!read_line(stream, &line, &size, &nul, &too_long)) {
        line_number++;
        if (too_long) {
            unreadable(conf, xasprintf("%s:%d: line longer than %d bytes; "
                                       "rest of the file not read",
                                       file_name, line_number,
                                       L3DSR_CONF_MAX_LINE));
            break;
        } else if (size > L3DSR_CONF_MAX_FILE) {
            unreadable(conf, xasprintf("%s:%d: file larger than %d bytes; "
                                       "rest of the file not read",
                                       file_name, line_number,
                                       L3DSR_CONF_MAX_FILE));
            break;
        } else if (nul) {
            l3dsr_conf_invalid_line(conf, file_name, line_number,
                                    "NUL byte in the line");
        } else {
            l3dsr_conf_parse_line(conf, file_name, line_number,
                                  ds_cstr(&line));
        }
        if (too_many_errors(conf)) {
            unreadable(conf, xasprintf("%s:%d: %d errors; rest of the "
                                       "configuration not read", file_name,
                                       line_number, L3DSR_CONF_MAX_ERRORS));
            break;
        }
    }
    if (ferror(stream)) {
        unreadable(conf, xasprintf("%s:%d: read error (%s)", file_name,
                                   line_number + 1, ovs_strerror(errno)));
    }
    ds_destroy(&line);
    fclose(stream);
}

/* A walk of a -d directory tree. */
struct walk {
    struct l3dsr_conf *conf;
    struct svec files;          /* "*.conf" files found. */
    int budget;                 /* Names that may still be examined. */

    /* The directories on the path from the -d directory to the one being
     * read, to find symbolic link loops. */
    struct dir_id {
        dev_t dev;
        ino_t ino;
    } *path;
    size_t n_path, allocated_path;
};

/* Walks the directory tree 'dir_name' as "find -L DIR -type f -name
 * '*.conf'" does: follows symbolic links, adds the names of the regular
 * "*.conf" files to 'w->files', skips dangling symbolic links, and
 * reports a symbolic link back to a directory on the path as an error, as
 * find does, instead of walking round it forever.  'w->budget' bounds the
 * names examined, since links can make a small tree look huge. */
static void
walk_dir(struct walk *w, const char *dir_name, const struct stat *dir_st)
{
    struct l3dsr_conf *conf = w->conf;

    for (size_t i = 0; i < w->n_path; i++) {
        if (w->path[i].dev == dir_st->st_dev
            && w->path[i].ino == dir_st->st_ino) {
            unreadable(conf, xasprintf("%s: symbolic link loop: the "
                                       "directory is already being read",
                                       dir_name));
            return;
        }
    }

    DIR *dir = opendir(dir_name);
    if (!dir) {
        unreadable(conf, xasprintf("%s: cannot read directory (%s)",
                                   dir_name, ovs_strerror(errno)));
        return;
    }

    const char *sep = dir_name[strlen(dir_name) - 1] == '/' ? "" : "/";
    struct svec subdirs = SVEC_EMPTY_INITIALIZER;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
            continue;
        }
        if (--w->budget < 0) {
            break;
        }

        char *name = xasprintf("%s%s%s", dir_name, sep, de->d_name);
        size_t len = strlen(de->d_name);
        struct stat st;
        if (stat(name, &st)) {
            struct stat lst;
            if (errno == ENOENT && !lstat(name, &lst)
                && S_ISLNK(lst.st_mode)) {
                free(name);     /* Dangling symbolic link: find skips it. */
            } else {
                unreadable(conf, xasprintf("%s: cannot read (%s)", name,
                                           ovs_strerror(errno)));
                free(name);
            }
        } else if (S_ISDIR(st.st_mode)) {
            svec_add_nocopy(&subdirs, name);
        } else if (S_ISREG(st.st_mode) && len >= 5
                   && !strcmp(de->d_name + len - 5, ".conf")) {
            svec_add_nocopy(&w->files, name);
        } else {
            free(name);
        }
    }
    closedir(dir);

    /* Sorted, so that the messages come in the same order every time. */
    svec_sort(&subdirs);
    if (w->n_path >= w->allocated_path) {
        w->path = x2nrealloc(w->path, &w->allocated_path, sizeof *w->path);
    }
    w->path[w->n_path++] = (struct dir_id) { dir_st->st_dev,
                                             dir_st->st_ino };
    const char *subdir;
    size_t i;
    SVEC_FOR_EACH (i, subdir, &subdirs) {
        struct stat st;

        if (w->budget >= 0 && !stat(subdir, &st)) {
            walk_dir(w, subdir, &st);
        }
    }
    w->n_path--;
    svec_destroy(&subdirs);
}

/* Reads every "*.conf" file in directory 'dir_name' and, as dsrctl does
 * with "find -L", in its subdirectories, following symbolic links, into
 * 'conf', in byte order of their names.  If 'dir_name' is not a directory,
 * notes it in 'conf->no_dir': as for dsrctl, an empty configuration. */
void
l3dsr_conf_read_dir(struct l3dsr_conf *conf, const char *dir_name)
{
    struct stat st;
    if (stat(dir_name, &st)) {
        if (errno == ENOENT || errno == ENOTDIR) {
            conf->no_dir = true;
        } else {
            unreadable(conf, xasprintf("%s: cannot read directory (%s)",
                                       dir_name, ovs_strerror(errno)));
        }
        return;
    } else if (!S_ISDIR(st.st_mode)) {
        conf->no_dir = true;
        return;
    }

    struct walk w = {
        .conf = conf,
        .files = SVEC_EMPTY_INITIALIZER,
        .budget = L3DSR_CONF_MAX_ENTRIES,
    };
    walk_dir(&w, dir_name, &st);
    free(w.path);
    if (w.budget < 0) {
        unreadable(conf, xasprintf("%s: more than %d names in the directory "
                                   "tree; configuration not read", dir_name,
                                   L3DSR_CONF_MAX_ENTRIES));
    } else {
        svec_sort(&w.files);
        const char *file_name;
        size_t i;
        SVEC_FOR_EACH (i, file_name, &w.files) {
            if (too_many_errors(conf)) {
                break;
            }
            l3dsr_conf_read_file(conf, file_name);
        }
    }
    svec_destroy(&w.files);
}

/* Reads the servers directory 'servers_dir' if nonnull (--servers),
 * otherwise file 'file_name' if nonnull (-f), otherwise directory
 * 'dir_name' (-d). */
void
l3dsr_conf_read(struct l3dsr_conf *conf, const char *file_name,
                const char *dir_name, const char *servers_dir)
{
    if (servers_dir) {
        l3dsr_conf_read_servers(conf, servers_dir);
    } else if (file_name) {
        l3dsr_conf_read_file(conf, file_name);
    } else {
        l3dsr_conf_read_dir(conf, dir_name);
    }
}

/* Parses 'stem', the name of a server's file without ".conf", as the
 * server's real address into '*rip' (IPv4 as IPv4-mapped).  Returns true if
 * successful. */
static bool
parse_server_name(const char *stem, struct in6_addr *rip)
{
    ovs_be32 ip;

    if (ip_parse(stem, &ip)) {
        in6_addr_set_mapped_ipv4(rip, ip);
        return ip && !ip_is_multicast(ip);
    }
    return (ipv6_parse(stem, rip)
            && !IN6_IS_ADDR_UNSPECIFIED(rip)
            && !IN6_IS_ADDR_V4MAPPED(rip)
            && !IN6_IS_ADDR_MULTICAST(rip));
}

/* Reads the servers directory 'dir_name' into 'conf': each "RIP.conf" file
 * in it (not in its subdirectories) holds the entries of the server whose
 * real address is RIP, in byte order of the names.  Other names are left
 * alone, so that a README may sit there. */
void
l3dsr_conf_read_servers(struct l3dsr_conf *conf, const char *dir_name)
{
    DIR *dir = opendir(dir_name);
    if (!dir) {
        unreadable(conf, xasprintf("%s: cannot read the servers directory "
                                   "(%s)", dir_name, ovs_strerror(errno)));
        return;
    }

    const char *sep = dir_name[strlen(dir_name) - 1] == '/' ? "" : "/";
    struct svec files = SVEC_EMPTY_INITIALIZER;
    int budget = L3DSR_CONF_MAX_ENTRIES;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t len = strlen(de->d_name);

        if (--budget < 0) {
            break;
        } else if (len > 5 && !strcmp(de->d_name + len - 5, ".conf")) {
            svec_add_nocopy(&files, xasprintf("%s%s%s", dir_name, sep,
                                              de->d_name));
        }
    }
    closedir(dir);
    if (budget < 0) {
        unreadable(conf, xasprintf("%s: more than %d names in the servers "
                                   "directory; configuration not read",
                                   dir_name, L3DSR_CONF_MAX_ENTRIES));
        svec_destroy(&files);
        return;
    }

    svec_sort(&files);
    const char *file_name;
    size_t i;
    SVEC_FOR_EACH (i, file_name, &files) {
        const char *base = file_name + strlen(dir_name) + strlen(sep);
        char *stem = xmemdup0(base, strlen(base) - 5);
        struct stat st;

        if (too_many_errors(conf)) {
            free(stem);
            break;
        } else if (stat(file_name, &st)) {
            unreadable(conf, xasprintf("%s: cannot read (%s)", file_name,
                                       ovs_strerror(errno)));
        } else if (!S_ISREG(st.st_mode)) {
            /* Not a file: left alone, as other names are. */
        } else if (!parse_server_name(stem, &conf->server)) {
            svec_add_nocopy(&conf->diags, xasprintf(
                "%s: \"%s\" is not a server's address: a server's file "
                "is named after its real address (RIP), as 10.0.0.5.conf "
                "or fc00::5.conf", file_name, stem));
            conf->n_invalid++;
        } else {
            l3dsr_conf_read_file(conf, file_name);
        }
        free(stem);
    }
    memset(&conf->server, 0, sizeof conf->server);
    svec_destroy(&files);
}
