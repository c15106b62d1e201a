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

#include "l3dsr-number.h"

#include <ctype.h>

/* Parses 's' as a number: decimal, or hexadecimal after "0x" or "0X".  A
 * leading zero does not mean octal, so that "010" is ten, as a reader of a
 * flow table expects.  Nothing else is accepted: no sign, no whitespace, no
 * empty digits ("0x") and no second prefix ("0x0x1").  Stores the number in
 * '*value' and returns true if it is at most 'max', otherwise returns false
 * and leaves '*value' alone. */
bool
l3dsr_parse_number(const char *s, uint32_t max, uint32_t *value)
{
    unsigned int base = 10;
    uint64_t v = 0;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        unsigned char c = *s;
        unsigned int digit;

        if (isdigit(c)) {
            digit = c - '0';
        } else if (base == 16 && isxdigit(c)) {
            digit = tolower(c) - 'a' + 10;
        } else {
            return false;
        }
        /* 'v' is at most UINT32_MAX here, so this cannot overflow. */
        v = v * base + digit;
        if (v > max) {
            return false;
        }
    }
    *value = v;
    return true;
}
