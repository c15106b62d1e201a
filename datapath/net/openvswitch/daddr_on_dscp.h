/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The ovs-l3dsr authors.
 */

#ifndef DADDR_ON_DSCP_H
#define DADDR_ON_DSCP_H 1

#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct sw_flow_key;

int ovs_daddr_on_dscp_validate(const struct nlattr *attr, __be16 eth_type,
			       bool log);
int ovs_daddr_on_dscp_execute(struct sk_buff *skb, struct sw_flow_key *key,
			      const struct nlattr *attr);

#endif /* daddr_on_dscp.h */
