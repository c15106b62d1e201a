# Copyright (c) 2026 The ovs-l3dsr authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""The cache of the test packets that scapy builds (tests/l3dsr-pkt.py,
tests/l3dsr-hmark.py), in the directory that $L3DSR_PACKET_CACHE names.
Importing scapy takes about a second natively and tens of seconds in the
kernel tier's VMs (TCG): tests/run-testsuites.sh sets the variable, so that
the packets are built once per build tree and the kernel tier finds those
that the userspace tiers built."""

import hashlib
import os
import pickle


def cached(name, key, build):
    """Returns build(), or what an earlier call with the same 'name' and
    'key' (bytes, e.g. the builder's text and its options) kept in the
    cache.  Without $L3DSR_PACKET_CACHE, always build()."""
    cache = os.environ.get("L3DSR_PACKET_CACHE")
    if not cache:
        return build()
    path = os.path.join(cache, "%s-%s.pickle"
                        % (name, hashlib.sha256(key).hexdigest()[:32]))
    if os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f)

    value = build()
    # Tests that run in parallel may build the same value at once.
    os.makedirs(cache, exist_ok=True)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "wb") as f:
        pickle.dump(value, f)
    os.replace(tmp, path)
    return value
