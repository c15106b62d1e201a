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

#include "l3dsr-view.h"

#include <string.h>

#include "l3dsr-bridge.h"
#include "util.h"

void
l3dsr_view_init(struct l3dsr_view *view)
{
    memset(view, 0, sizeof *view);
    l3dsr_addrs_init(&view->lo);
    l3dsr_addrs_init(&view->lo_mapped6);
    simap_init(&view->sysctls);
}

void
l3dsr_view_destroy(struct l3dsr_view *view)
{
    if (view) {
        l3dsr_addrs_destroy(&view->lo);
        l3dsr_addrs_destroy(&view->lo_mapped6);
        simap_destroy(&view->sysctls);
        for (size_t i = 0; i < view->n_bridges; i++) {
            l3dsr_bridge_close(view->bridges[i]);
        }
        free(view->bridges);
    }
}

/* Stores the value of sysctl 'name' in '*value', reading it from the kernel
 * the first time.  Returns NULL if successful, otherwise a malloc()'d error
 * message. */
char *
l3dsr_view_get_sysctl(struct l3dsr_view *view, const char *name, int *value)
{
    const struct simap_node *cached = simap_find(&view->sysctls, name);

    if (!cached) {
        int error = l3dsr_sysctl_get(name, value);
        if (error) {
            return xasprintf("cannot read sysctl %s (%s)", name,
                             ovs_strerror(error));
        }
        simap_put(&view->sysctls, name, *value);
    } else {
        *value = cached->data;
    }
    return NULL;
}

/* Records that sysctl 'name' now has 'value', if its value was read: a
 * sysctl never read will be read when needed. */
void
l3dsr_view_update_sysctl(struct l3dsr_view *view, const char *name,
                         int value)
{
    struct simap_node *cached = simap_find(&view->sysctls, name);

    if (cached) {
        cached->data = value;
    }
}
