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

/* Test of the number syntax of set_daddr_on_dscp's and hmark's options.
 *
 *   ovstest test-l3dsr-number MAX
 *       reads lines from standard input and prints, for each, the number
 *       that l3dsr_parse_number() makes of it with maximum MAX, in
 *       decimal, or "error".  Each line is taken whole, spaces included. */

#include <config.h>
#undef NDEBUG
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l3dsr-number.h"
#include "ovstest.h"
#include "util.h"

static void
test_l3dsr_number_main(int argc, char *argv[])
{
    unsigned long long int max;
    char line[1024];

    if (argc != 2 || !str_to_ullong(argv[1], 10, &max) || max > UINT32_MAX) {
        ovs_fatal(0, "usage: %s MAX (at most %"PRIu32")", argv[0],
                  UINT32_MAX);
    }
    while (fgets(line, sizeof line, stdin)) {
        uint32_t value;

        line[strcspn(line, "\n")] = '\0';
        if (l3dsr_parse_number(line, max, &value)) {
            printf("%"PRIu32"\n", value);
        } else {
            puts("error");
        }
    }
}

OVSTEST_REGISTER("test-l3dsr-number", test_l3dsr_number_main);
