// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The ovs-l3dsr authors.
 *
 * OVS_ACTION_ATTR_HMARK: sets skb->mark to the mark that the HMARK iptables
 * target (net/netfilter/xt_HMARK.c) gives the packet with the same options,
 * so that a bridge can spread flows over N marks exactly as the iptables
 * rules that it replaces did.  struct ovs_action_hmark holds the fields of
 * struct xt_hmark_info that the hash uses, with iptables' prefixes already
 * turned into masks; its "L3 only" mode is all-zero port and protocol masks.
 *
 * The tuple is the masked source and destination (for IPv6, the XOR of the
 * four masked words), the L4 protocol and the 32 bits at the ports' offset
 * of the L4 header (the SPI for ESP and AH), masked, ORed with a constant and
 * ordered; the two addresses are ordered too, so that both directions of a
 * connection get the same mark.  ICMP and ICMPv6 errors are hashed on the
 * header that they carry, fragments without their ports.  With
 * OVS_HMARK_F_CT the tuple comes from the packet's conntrack entry instead.
 * Any difference from xt_HMARK, even for malformed packets, is a bug: the
 * tests compare both on the same packets.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/openvswitch.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "datapath.h"
#include "flow.h"
#include "hmark.h"

struct hmark_tuple {
	__be32 src;		/* Masked source address. */
	__be32 dst;		/* Masked destination address. */
	u32 ports;		/* Masked, ORed and ordered ports or SPI. */
	u8 proto;
};

static __be32 hmark_mask_addr(int family, const __be32 *addr,
			      const __be32 *mask)
{
	switch (family) {
	case AF_INET:
		return addr[0] & mask[0];
	case AF_INET6:
		return (addr[0] & mask[0]) ^ (addr[1] & mask[1]) ^
		       (addr[2] & mask[2]) ^ (addr[3] & mask[3]);
	}
	return 0;
}

/* 'ports' holds the source port (or the upper half of the SPI) in its first
 * two bytes.  The larger of the two halves goes first after masking, which
 * makes the result the same for both directions.
 */
static u32 hmark_order_ports(__be32 ports, const struct ovs_action_hmark *arg)
{
	u32 v = ntohl((ports & arg->port_mask) | arg->port_set);
	u16 src = v >> 16, dst = v & 0xffff;

	return src > dst ? (u32)src << 16 | dst : (u32)dst << 16 | src;
}

/* Reads the ports of the L4 header at 'thoff', if t->proto has any.  A header
 * cut short leaves them zero, as xt_HMARK does.
 */
static void hmark_read_ports(const struct sk_buff *skb, unsigned int thoff,
			     struct hmark_tuple *t,
			     const struct ovs_action_hmark *arg)
{
	int off = proto_ports_offset(t->proto);
	__be32 ports;

	if (off < 0 || skb_copy_bits(skb, thoff + off, &ports, sizeof(ports)))
		return;
	t->ports = hmark_order_ports(ports, arg);
}

#if IS_ENABLED(CONFIG_NF_CONNTRACK)
/* Returns, with a reference, the conntrack entry of a packet that lost it on
 * its way through userspace (an upcall) although its flow key says that a ct
 * action tracked it.  The ct action finds such entries again in the same way
 * (ovs_ct_executed()).
 */
static struct nf_conn *hmark_ct_find(struct net *net,
				     const struct sk_buff *skb,
				     const struct sw_flow_key *key)
{
	struct nf_conntrack_tuple tuple, inverse;
	const struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_zone zone;
	u16 l3num;

	if (!(key->ct_state & OVS_CS_F_TRACKED) ||
	    key->ct_state & OVS_CS_F_INVALID)
		return NULL;

	l3num = key->eth.type == htons(ETH_P_IP) ? NFPROTO_IPV4 : NFPROTO_IPV6;
	if (!nf_ct_get_tuplepr(skb, skb_network_offset(skb), l3num, net,
			       &tuple))
		return NULL;

	/* After NAT, the packet's tuple is the inverse of the entry's. */
	if (key->ct_state & OVS_CS_F_NAT_MASK) {
		if (!nf_ct_invert_tuple(&inverse, &tuple))
			return NULL;
		tuple = inverse;
	}

	nf_ct_zone_init(&zone, key->ct_zone, NF_CT_DEFAULT_ZONE_DIR, 0);
	h = nf_conntrack_find_get(net, &zone, &tuple);
	return h ? nf_ct_tuplehash_to_ctrack(h) : NULL;
}
#endif

static int hmark_ct_tuple(struct net *net, const struct sk_buff *skb,
			  const struct sw_flow_key *key, struct hmark_tuple *t,
			  const struct ovs_action_hmark *arg)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	const struct nf_conntrack_tuple *orig, *reply;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct, *found = NULL;
	int family;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct) {
		found = hmark_ct_find(net, skb, key);
		if (!found)
			return -ENOENT;
		ct = found;
	}

	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	reply = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	family = orig->src.l3num;

	/* The reply direction's source is the original destination after
	 * any NAT, which is what xt_HMARK hashes.
	 */
	t->src = hmark_mask_addr(family, orig->src.u3.ip6, arg->src_mask);
	t->dst = hmark_mask_addr(family, reply->src.u3.ip6, arg->dst_mask);
	t->proto = nf_ct_protonum(ct);
	if (t->proto != IPPROTO_ICMP) {
		u32 ports = (u32)ntohs(orig->src.u.all) << 16 |
			    ntohs(reply->src.u.all);

		t->ports = hmark_order_ports(htonl(ports), arg);
	}
	if (found)
		nf_ct_put(found);
	return 0;
#else
	return -ENOENT;
#endif
}

static int hmark_ipv4_tuple(const struct sk_buff *skb, struct hmark_tuple *t,
			    const struct ovs_action_hmark *arg)
{
	unsigned int nhoff = skb_network_offset(skb);
	const struct icmphdr *icmph;
	const struct iphdr *iph;
	struct icmphdr _icmph;
	struct iphdr _iph;

	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph)
		return -EINVAL;

	/* An ICMP error is hashed on the header that it carries. */
	if (iph->protocol == IPPROTO_ICMP) {
		icmph = skb_header_pointer(skb, nhoff + iph->ihl * 4,
					   sizeof(_icmph), &_icmph);
		if (icmph && icmp_is_err(icmph->type)) {
			nhoff += iph->ihl * 4 + sizeof(_icmph);
			iph = skb_header_pointer(skb, nhoff, sizeof(_iph),
						 &_iph);
			if (!iph)
				return -EINVAL;
		}
	}

	t->src = iph->saddr & arg->src_mask[0];
	t->dst = iph->daddr & arg->dst_mask[0];
	t->proto = iph->protocol;

	/* Only first fragments have ports, but xt_HMARK leaves them out of
	 * every fragment so that all of a datagram gets the same mark.
	 */
	if (t->proto != IPPROTO_ICMP && !ip_is_fragment(iph))
		hmark_read_ports(skb, nhoff + iph->ihl * 4, t, arg);
	return 0;
}

static bool hmark_icmpv6_is_err(const struct sk_buff *skb, unsigned int off)
{
	const struct icmp6hdr *icmp6h;
	struct icmp6hdr _icmp6h;

	icmp6h = skb_header_pointer(skb, off, sizeof(_icmp6h), &_icmp6h);
	return icmp6h && icmp6h->icmp6_type &&
	       !(icmp6h->icmp6_type & ICMPV6_INFOMSG_MASK);
}

static int hmark_ipv6_tuple(const struct sk_buff *skb, struct hmark_tuple *t,
			    const struct ovs_action_hmark *arg)
{
	const struct ipv6hdr *ip6h;
	int flags = IP6_FH_F_AUTH;
	unsigned int thoff = 0;
	struct ipv6hdr _ip6h;
	int nexthdr;

	ip6h = skb_header_pointer(skb, skb_network_offset(skb), sizeof(_ip6h),
				  &_ip6h);
	if (!ip6h)
		return -EINVAL;

	/* IP6_FH_F_AUTH stops the walk at an AH, whose SPI is hashed like
	 * ESP's.  Where the walk fails, xt_HMARK hashes an all-zero tuple.
	 */
	nexthdr = ipv6_find_hdr(skb, &thoff, -1, NULL, &flags);
	if (nexthdr < 0)
		return 0;

	if (!(flags & IP6_FH_F_FRAG) && nexthdr == IPPROTO_ICMPV6 &&
	    hmark_icmpv6_is_err(skb, thoff)) {
		/* ipv6_find_hdr() starts at the IPv6 header at 'thoff'. */
		thoff += sizeof(struct icmp6hdr);
		ip6h = skb_header_pointer(skb, thoff, sizeof(_ip6h), &_ip6h);
		if (!ip6h)
			return -EINVAL;
		flags = IP6_FH_F_AUTH;
		nexthdr = ipv6_find_hdr(skb, &thoff, -1, NULL, &flags);
		if (nexthdr < 0)
			return -EINVAL;
	}

	t->src = hmark_mask_addr(AF_INET6, ip6h->saddr.s6_addr32,
				 arg->src_mask);
	t->dst = hmark_mask_addr(AF_INET6, ip6h->daddr.s6_addr32,
				 arg->dst_mask);
	t->proto = nexthdr;
	if (t->proto != IPPROTO_ICMPV6 && !(flags & IP6_FH_F_FRAG))
		hmark_read_ports(skb, thoff, t, arg);
	return 0;
}

static u32 hmark_hash(const struct hmark_tuple *t,
		      const struct ovs_action_hmark *arg)
{
	u32 src = ntohl(t->src), dst = ntohl(t->dst);
	u32 hash;

	if (dst < src)
		swap(src, dst);
	hash = jhash_3words(src, dst, t->ports, arg->hash_rnd);
	hash ^= t->proto & arg->proto_mask;
	return reciprocal_scale(hash, arg->modulus) + arg->offset;
}

int ovs_hmark_validate(const struct nlattr *attr, bool log)
{
	const struct ovs_action_hmark *arg = nla_data(attr);

	/* The number and the layout are shared with userspace: make sure
	 * that the uapi header of this tree, not the kernel's, is in use.
	 */
	BUILD_BUG_ON(OVS_ACTION_ATTR_HMARK != 41);
	BUILD_BUG_ON(sizeof(*arg) != 56);

	if (nla_len(attr) != sizeof(*arg)) {
		OVS_NLERR(log, "hmark: argument is %d bytes, not %zu",
			  nla_len(attr), sizeof(*arg));
		return -EINVAL;
	}
	if (!arg->modulus) {
		OVS_NLERR(log, "hmark: modulus is 0");
		return -EINVAL;
	}
	if (arg->flags & ~OVS_HMARK_F_CT) {
		OVS_NLERR(log, "hmark: unknown flags %#x",
			  arg->flags & ~OVS_HMARK_F_CT);
		return -EINVAL;
	}
	return 0;
}

int ovs_hmark_execute(struct net *net, struct sk_buff *skb,
		      struct sw_flow_key *key, const struct nlattr *attr)
{
	const struct ovs_action_hmark *arg = nla_data(attr);
	struct hmark_tuple t = {};
	int err;

	/* Like xt_HMARK, leave the mark alone where there is nothing to hash:
	 * not IP, no conntrack entry (for a packet that came back from
	 * userspace: none that its tuple finds), an ICMP error's inner header
	 * cut short.
	 */
	if (key->eth.type != htons(ETH_P_IP) &&
	    key->eth.type != htons(ETH_P_IPV6))
		return 0;
	if (arg->flags & OVS_HMARK_F_CT)
		err = hmark_ct_tuple(net, skb, key, &t, arg);
	else if (key->eth.type == htons(ETH_P_IP))
		err = hmark_ipv4_tuple(skb, &t, arg);
	else
		err = hmark_ipv6_tuple(skb, &t, arg);
	if (err)
		return 0;

	skb->mark = hmark_hash(&t, arg);
	key->phy.skb_mark = skb->mark;
	return 0;
}
