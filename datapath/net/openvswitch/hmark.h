/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The ovs-l3dsr authors.
 */

#ifndef HMARK_H
#define HMARK_H 1

#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <net/net_namespace.h>

struct sw_flow_key;

int ovs_hmark_validate(const struct nlattr *attr, bool log);
int ovs_hmark_execute(struct net *net, struct sk_buff *skb,
		      struct sw_flow_key *key, const struct nlattr *attr);

#endif /* hmark.h */
