// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The ovs-l3dsr authors.
 *
 * OVS_ACTION_ATTR_SET_DADDR_ON_DSCP: the server half of L3DSR (layer-3
 * direct server return).  A load balancer marks each packet for a virtual
 * address (VIP) with a DSCP value that stands for the VIP and sends it to a
 * real server's own address.  This action, on the server's bridge, turns the
 * destination back into the VIP that the packet's DSCP selects, and updates
 * every checksum that covers the destination, so that the server's stack
 * accepts the packet and answers from the VIP.
 *
 * The argument is a struct ovs_action_set_daddr_on_dscp (two bitmaps of the
 * DSCPs that have an entry) followed by the addresses: one IPv4 address per
 * bit set in the IPv4 bitmap, by ascending DSCP, then one IPv6 address per bit
 * set in the IPv6 bitmap.  An entry is found by counting the bits below its
 * DSCP, so a lookup takes constant time without a table.
 */

#include <linux/bitops.h>
#include <linux/icmpv6.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/openvswitch.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <asm/unaligned.h>
#include <net/checksum.h>
#include <net/dsfield.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "conntrack.h"
#include "daddr_on_dscp.h"
#include "datapath.h"
#include "flow.h"

/* Returns the position of 'dscp' among the DSCPs in 'dscps', or -1 if
 * 'dscps' does not hold it.
 */
static int dscp_index(u64 dscps, u8 dscp)
{
	if (!(dscps & BIT_ULL(dscp)))
		return -1;
	return hweight64(dscps & (BIT_ULL(dscp) - 1));
}

int ovs_daddr_on_dscp_validate(const struct nlattr *attr, __be16 eth_type,
			       bool log)
{
	const struct ovs_action_set_daddr_on_dscp *arg = nla_data(attr);
	unsigned int n4, n6;
	int len = nla_len(attr);

	/* The number is shared with userspace: make sure that the uapi
	 * header of this tree, not the kernel's, is the one in use.
	 */
	BUILD_BUG_ON(OVS_ACTION_ATTR_SET_DADDR_ON_DSCP != 40);

	if (eth_type != htons(ETH_P_IP) && eth_type != htons(ETH_P_IPV6)) {
		OVS_NLERR(log,
			  "set_daddr_on_dscp: flow is not IPv4 or IPv6 (EtherType %#06x)",
			  ntohs(eth_type));
		return -EINVAL;
	}
	if (len < sizeof(*arg)) {
		OVS_NLERR(log, "set_daddr_on_dscp: argument too short (%d bytes)",
			  len);
		return -EINVAL;
	}

	n4 = hweight64(get_unaligned(&arg->ipv4_dscps));
	n6 = hweight64(get_unaligned(&arg->ipv6_dscps));
	if (!n4 && !n6) {
		OVS_NLERR(log, "set_daddr_on_dscp: no DSCP has an entry");
		return -EINVAL;
	}
	if (len != sizeof(*arg) + n4 * sizeof(__be32) +
		   n6 * sizeof(struct in6_addr)) {
		OVS_NLERR(log,
			  "set_daddr_on_dscp: %d bytes do not match %u IPv4 and %u IPv6 entries",
			  len, n4, n6);
		return -EINVAL;
	}
	return 0;
}

/* Finds the L4 checksum that covers the destination address in a packet
 * whose upper-layer header, of protocol 'proto', starts at offset 'thoff' of
 * 'skb'.  Returns the offset of the checksum, 0 if no checksum of 'proto'
 * covers the destination (ICMPv4, SCTP, unknown protocols), or -EINVAL if the
 * packet is too short for the header's fixed part: such a packet is left
 * alone rather than made inconsistent.  Sets '*udp' for UDP, where a zero
 * checksum means "no checksum".
 */
static int l4_csum_offset(const struct sk_buff *skb, u8 proto, bool ipv6,
			  unsigned int thoff, bool *udp)
{
	unsigned int hdr_len, csum_off;

	*udp = false;
	switch (proto) {
	case IPPROTO_TCP:
		hdr_len = sizeof(struct tcphdr);
		csum_off = offsetof(struct tcphdr, check);
		break;
	case IPPROTO_UDP:
		hdr_len = sizeof(struct udphdr);
		csum_off = offsetof(struct udphdr, check);
		*udp = true;
		break;
	case IPPROTO_ICMPV6:
		if (!ipv6)
			return 0;
		/* Type, code and checksum: the rest depends on the type. */
		hdr_len = offsetof(struct icmp6hdr, icmp6_dataun);
		csum_off = offsetof(struct icmp6hdr, icmp6_cksum);
		break;
	default:
		return 0;
	}

	if (skb->len < thoff || skb->len - thoff < hdr_len)
		return -EINVAL;
	return thoff + csum_off;
}

/* Folds the change of the destination from 'from' to 'to' (one word for IPv4,
 * four for IPv6) into the L4 checksum at '*check'.  Returns false if the
 * checksum is left as it is: a UDP checksum of zero means "no checksum",
 * unless the checksum is still to be completed (CHECKSUM_PARTIAL).
 */
static bool update_l4_csum(struct sk_buff *skb, __sum16 *check, bool udp,
			   const __be32 *from, const __be32 *to, bool ipv6)
{
	if (udp && !*check && skb->ip_summed != CHECKSUM_PARTIAL)
		return false;

	if (ipv6)
		inet_proto_csum_replace16(check, skb, from, to, true);
	else
		inet_proto_csum_replace4(check, skb, *from, *to, true);

	if (udp && !*check)
		*check = CSUM_MANGLED_0;
	return true;
}

static int set_ipv4_daddr(struct sk_buff *skb, struct sw_flow_key *key,
			  u64 dscps, const __be32 *addrs)
{
	unsigned int nhoff = skb_network_offset(skb);
	unsigned int write_len, thoff;
	const struct iphdr *iph;
	struct iphdr _iph;
	__be32 from, to;
	int csum_off = 0;
	bool udp = false;
	struct iphdr *nh;
	int i, err;

	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return 0;
	thoff = nhoff + iph->ihl * 4;
	if (skb->len < thoff)
		return 0;

	i = dscp_index(dscps, ipv4_get_dsfield(iph) >> 2);
	if (i < 0)
		return 0;
	to = addrs[i];
	from = iph->daddr;
	if (from == to)
		return 0;

	/* A later fragment has payload where its L4 header would be. */
	write_len = nhoff + sizeof(struct iphdr);
	if (!(iph->frag_off & htons(IP_OFFSET))) {
		csum_off = l4_csum_offset(skb, iph->protocol, false, thoff,
					  &udp);
		if (csum_off < 0)
			return 0;
		if (csum_off)
			write_len = max_t(unsigned int, write_len,
					  csum_off + sizeof(__sum16));
	}

	err = skb_ensure_writable(skb, write_len);
	if (unlikely(err))
		return err;

	nh = ip_hdr(skb);
	if (csum_off)
		update_l4_csum(skb, (__sum16 *)(skb->data + csum_off), udp,
			       &from, &to, false);
	csum_replace4(&nh->check, from, to);
	nh->daddr = to;

	skb_clear_hash(skb);
	ovs_ct_clear(skb, NULL);
	key->ipv4.addr.dst = to;
	return 0;
}

/* Finds the L4 checksum that covers the destination of the IPv6 packet in
 * 'skb'.  Returns its offset, 0 if there is none, or -EINVAL if the packet's
 * headers are truncated.
 */
static int ipv6_l4_csum_offset(struct sk_buff *skb, u8 nexthdr, bool *udp)
{
	unsigned short fragoff;
	unsigned int thoff;
	int flags, proto;

	*udp = false;
	if (ipv6_ext_hdr(nexthdr)) {
		/* Behind a routing header with segments left, the L4 checksum
		 * covers the final destination, not this one.
		 */
		thoff = 0;
		flags = IP6_FH_F_SKIP_RH;
		proto = ipv6_find_hdr(skb, &thoff, NEXTHDR_ROUTING, NULL,
				      &flags);
		if (proto == NEXTHDR_ROUTING)
			return 0;
		if (proto == -EBADMSG)
			return -EINVAL;
	}

	thoff = 0;
	proto = ipv6_find_hdr(skb, &thoff, -1, &fragoff, NULL);
	if (proto == -ENOENT || (proto >= 0 && fragoff))
		return 0;	/* A later fragment. */
	if (proto < 0)
		return -EINVAL;
	return l4_csum_offset(skb, proto, true, thoff, udp);
}

static int set_ipv6_daddr(struct sk_buff *skb, struct sw_flow_key *key,
			  u64 dscps, const struct in6_addr *addrs)
{
	unsigned int nhoff = skb_network_offset(skb);
	const struct ipv6hdr *ip6h;
	struct in6_addr from, to;
	unsigned int write_len;
	struct ipv6hdr _ip6h;
	bool l4_done = false;
	struct ipv6hdr *nh;
	int csum_off, i, err;
	bool udp;

	ip6h = skb_header_pointer(skb, nhoff, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return 0;

	i = dscp_index(dscps, ipv6_get_dsfield(ip6h) >> 2);
	if (i < 0)
		return 0;
	memcpy(&to, &addrs[i], sizeof(to));
	from = ip6h->daddr;
	if (ipv6_addr_equal(&from, &to))
		return 0;

	csum_off = ipv6_l4_csum_offset(skb, ip6h->nexthdr, &udp);
	if (csum_off < 0)
		return 0;

	write_len = nhoff + sizeof(struct ipv6hdr);
	if (csum_off)
		write_len = max_t(unsigned int, write_len,
				  csum_off + sizeof(__sum16));
	err = skb_ensure_writable(skb, write_len);
	if (unlikely(err))
		return err;

	nh = ipv6_hdr(skb);
	if (csum_off)
		l4_done = update_l4_csum(skb, (__sum16 *)(skb->data + csum_off),
					 udp, from.s6_addr32, to.s6_addr32,
					 true);
	if (!l4_done && skb->ip_summed == CHECKSUM_COMPLETE) {
		/* No L4 checksum change offsets the new address. */
		__be32 diff[] = {
			~from.s6_addr32[0], ~from.s6_addr32[1],
			~from.s6_addr32[2], ~from.s6_addr32[3],
			to.s6_addr32[0], to.s6_addr32[1],
			to.s6_addr32[2], to.s6_addr32[3],
		};

		skb->csum = csum_partial(diff, sizeof(diff), skb->csum);
	}
	nh->daddr = to;

	skb_clear_hash(skb);
	ovs_ct_clear(skb, NULL);
	key->ipv6.addr.dst = to;
	return 0;
}

int ovs_daddr_on_dscp_execute(struct sk_buff *skb, struct sw_flow_key *key,
			      const struct nlattr *attr)
{
	const struct ovs_action_set_daddr_on_dscp *arg = nla_data(attr);
	u64 ipv4_dscps = get_unaligned(&arg->ipv4_dscps);
	u64 ipv6_dscps = get_unaligned(&arg->ipv6_dscps);
	const __be32 *ipv4 = (const __be32 *)(arg + 1);

	/* Validation made sure that the flow is IPv4 or IPv6 and that the
	 * attribute holds one address per bit set.
	 */
	if (key->eth.type == htons(ETH_P_IP) && ipv4_dscps)
		return set_ipv4_daddr(skb, key, ipv4_dscps, ipv4);
	if (key->eth.type == htons(ETH_P_IPV6) && ipv6_dscps)
		return set_ipv6_daddr(skb, key, ipv6_dscps,
				      (const struct in6_addr *)
				      (ipv4 + hweight64(ipv4_dscps)));
	return 0;
}
