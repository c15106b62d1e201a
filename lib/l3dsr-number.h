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

#ifndef L3DSR_NUMBER_H
#define L3DSR_NUMBER_H 1

#include <stdbool.h>
#include <stdint.h>

/* The numbers in the options of set_daddr_on_dscp and hmark, in OpenFlow and
 * in datapath action syntax alike: decimal, or hexadecimal after "0x". */
bool l3dsr_parse_number(const char *s, uint32_t max, uint32_t *value);

#endif /* l3dsr-number.h */
