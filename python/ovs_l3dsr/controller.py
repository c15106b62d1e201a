"""ovs-l3dsr-controller: an os-ken application that keeps the L3DSR flows
of a fleet of Open vSwitch bridges in line with one VIP table.

Server bridges get, per address family, one set_daddr_on_dscp flow with
every VIP of the table, under the controller's cookie.  The load balancer's
bridge gets, per VIP, a flow that sets the VIP's DSCP and hands the packet
to a select group (one per family) whose buckets rewrite the destination to
a server that is up.  On every connection the controller reads the bridge's
flows of its cookie (and the load balancer's groups) and changes only what
differs, so that a restart of the controller or of a switch does not
interrupt traffic.  See ovs-l3dsr-controller(8).
"""

import signal

from os_ken import cfg
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import (CONFIG_DISPATCHER, DEAD_DISPATCHER,
                                       MAIN_DISPATCHER, set_ev_cls)
from os_ken.lib import hub
from os_ken.ofproto import ofproto_v1_3

from ovs_l3dsr import nx_actions  # noqa: F401 (registers the NX actions)
from ovs_l3dsr.config import Config, ConfigError

CONF = cfg.CONF
CONF.register_cli_opts([
    cfg.StrOpt("l3dsr-config",
               default="/etc/openvswitch/l3dsr-controller.conf",
               help="ovs-l3dsr-controller configuration file"),
])

GROUP_IPV4 = 4
GROUP_IPV6 = 6
ETH_TYPES = {4: 0x0800, 6: 0x86dd}


class Bridge(object):
    """What the controller knows of one connected bridge."""

    def __init__(self, dp):
        self.dp = dp
        self.name = "dpid %016x" % dp.id
        self.flows = []         # Flow stats of our cookie being read.
        self.groups = None      # Group descriptions, by group id.
        self.pending = {}       # xid -> description of a change sent.
        self.failed = False
        self.in_sync = False


class L3dsrController(app_manager.OSKenApp):
    # OpenFlow 1.3: what Open vSwitch bridges and os-ken both do best.  The
    # action classes also exist for OpenFlow 1.5.
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super(L3dsrController, self).__init__(*args, **kwargs)
        self.config = Config(CONF.l3dsr_config, self.logger.warning)
        self.logger.info("%d VIP entries, %d servers, load balancer %s",
                         len(self.config.table), len(self.config.servers),
                         "yes" if self.config.lb else "no")
        self.bridges = {}
        # Servers known to be down: their bridge was connected and went
        # away, or refused its flows.  Until then a server counts as up, so
        # that a controller that restarts keeps the load balancer's groups.
        self.down = set()
        self.reload_requested = False
        signal.signal(signal.SIGHUP, self._sighup)
        self.threads.append(hub.spawn(self._reload_loop))

    # Configuration.

    def _sighup(self, signum, frame):
        self.reload_requested = True

    def _reload_loop(self):
        while True:
            hub.sleep(0.2)
            if self.reload_requested:
                self.reload_requested = False
                self.reload()

    def reload(self):
        try:
            config = Config(CONF.l3dsr_config, self.logger.warning)
        except ConfigError as e:
            self.logger.error("reload: %s; keeping the current table", e)
            return
        self.config = config
        self.logger.info("reload: %d VIP entries", len(config.table))
        for bridge in list(self.bridges.values()):
            self._start_sync(bridge)

    def _role(self, dpid):
        if self.config.lb and self.config.lb["dpid"] == dpid:
            return "lb"
        for server in self.config.servers:
            if server.dpid == dpid:
                return server
        return None

    # Desired state.

    def _server_flows(self, dp, server):
        parser = dp.ofproto_parser
        flows = []
        for version in (4, 6):
            entries = [(dscp, str(vip)) for vip, dscp in self.config.table
                       if vip.version == version]
            if not entries:
                continue
            match = {"eth_type": ETH_TYPES[version]}
            if server.in_port is not None:
                match["in_port"] = server.in_port
            actions = [parser.NXActionSetDaddrOnDscp(entries=entries),
                       parser.OFPActionOutput(dp.ofproto.OFPP_NORMAL)]
            flows.append((self.config.priority, match, actions))
        return flows

    def _lb_flows(self, dp):
        parser = dp.ofproto_parser
        flows = []
        seen = set()
        for vip, dscp in self.config.table:
            if vip in seen:     # A VIP with several DSCPs: the first marks.
                continue
            seen.add(vip)
            field = "ipv4_dst" if vip.version == 4 else "ipv6_dst"
            match = {"eth_type": ETH_TYPES[vip.version], field: str(vip)}
            actions = [parser.OFPActionSetField(ip_dscp=dscp),
                       parser.OFPActionGroup(GROUP_IPV4 if vip.version == 4
                                             else GROUP_IPV6)]
            flows.append((self.config.lb_priority, match, actions))
        return flows

    def _lb_buckets(self, dp, version):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        lb = self.config.lb
        out = (ofp.OFPP_IN_PORT if lb["port"] == "in_port"
               else int(lb["port"], 0))
        buckets = []
        for server in self.config.servers:
            addr = server.ipv4 if version == 4 else server.ipv6
            if not addr or server.name in self.down:
                continue
            field = {"ipv4_dst" if version == 4 else "ipv6_dst": addr}
            actions = [parser.OFPActionSetField(eth_src=lb["mac"]),
                       parser.OFPActionSetField(eth_dst=server.mac),
                       parser.OFPActionSetField(**field),
                       parser.OFPActionOutput(out)]
            buckets.append(parser.OFPBucket(
                weight=1, watch_port=ofp.OFPP_ANY, watch_group=ofp.OFPG_ANY,
                actions=actions))
        return buckets

    # Synchronization.

    def _start_sync(self, bridge):
        """Reads the bridge's flows of our cookie (and, on the load
        balancer, its groups); _sync() continues when they are in."""
        dp = bridge.dp
        ofp, parser = dp.ofproto, dp.ofproto_parser
        if self._role(dp.id) is None:
            return
        bridge.flows = []
        bridge.groups = None
        bridge.failed = False
        bridge.in_sync = False
        dp.send_msg(parser.OFPFlowStatsRequest(
            dp, 0, ofp.OFPTT_ALL, ofp.OFPP_ANY, ofp.OFPG_ANY,
            self.config.cookie, 0xffffffffffffffff, parser.OFPMatch()))

    def _normal_match(self, parser, match):
        """The fields of a match as the switch reports them, so that a
        match we build compares equal to one read back."""
        buf = bytearray()
        length = match.serialize(buf, 0)
        parsed = parser.OFPMatch.parser(bytes(buf[:length]), 0)
        return tuple(sorted((k, str(v)) for k, v in parsed.items()))

    @staticmethod
    def _bytes(objs):
        buf = bytearray()
        for obj in objs:
            obj.serialize(buf, len(buf))
        return bytes(buf)

    def _bridge_of(self, msg):
        """The connected bridge that sent 'msg', or None."""
        return self.bridges.get(msg.datapath.id)

    def _send(self, bridge, msg, what):
        bridge.dp.set_xid(msg)
        bridge.pending[msg.xid] = what
        bridge.dp.send_msg(msg)

    def _sync_flows(self, bridge, desired):
        dp = bridge.dp
        ofp, parser = dp.ofproto, dp.ofproto_parser
        have = {}
        for stat in bridge.flows:
            key = (stat.priority, self._normal_match(parser, stat.match))
            have[key] = (stat, self._bytes(stat.instructions))
        n_add = n_del = 0
        wanted = set()
        for priority, fields, actions in desired:
            match = parser.OFPMatch(**fields)
            inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS,
                                                 actions)]
            key = (priority, self._normal_match(parser, match))
            wanted.add(key)
            if key in have and have[key][1] == self._bytes(inst):
                continue
            what = "priority=%d,%s actions=%s" % (
                priority, ",".join("%s=%s" % kv for kv in sorted(
                    fields.items())), ",".join(str(a) for a in actions))
            self._send(bridge, parser.OFPFlowMod(
                dp, cookie=self.config.cookie, command=ofp.OFPFC_ADD,
                priority=priority, match=match, instructions=inst), what)
            n_add += 1
        for key, (stat, _) in have.items():
            if key in wanted:
                continue
            self._send(bridge, parser.OFPFlowMod(
                dp, cookie=self.config.cookie,
                cookie_mask=0xffffffffffffffff,
                command=ofp.OFPFC_DELETE_STRICT, priority=stat.priority,
                out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY,
                match=stat.match), "delete stale flow %s" % (key,))
            n_del += 1
        return n_add, n_del

    def _sync_groups(self, bridge):
        dp = bridge.dp
        ofp, parser = dp.ofproto, dp.ofproto_parser
        n = 0
        for group_id, version in ((GROUP_IPV4, 4), (GROUP_IPV6, 6)):
            buckets = self._lb_buckets(dp, version)
            old = bridge.groups.get(group_id)
            if old is not None and old == self._bytes(buckets):
                continue
            command = ofp.OFPGC_ADD if old is None else ofp.OFPGC_MODIFY
            msg = parser.OFPGroupMod(dp, command, ofp.OFPGT_SELECT, group_id,
                                     buckets)
            self._send(bridge, msg, "group %d with %d buckets"
                       % (group_id, len(buckets)))
            bridge.groups[group_id] = self._bytes(buckets)
            n += 1
        return n

    def _sync(self, bridge):
        dp = bridge.dp
        role = self._role(dp.id)
        n_groups = 0
        if role == "lb":
            # Groups first: the flows point to them.
            n_groups = self._sync_groups(bridge)
            desired = self._lb_flows(dp)
        else:
            desired = self._server_flows(dp, role)
        n_add, n_del = self._sync_flows(bridge, desired)
        self.logger.info("%s: %d flows added or changed, %d stale flows "
                         "deleted, %d groups changed", bridge.name, n_add,
                         n_del, n_groups)
        parser = dp.ofproto_parser
        self._send(bridge, parser.OFPBarrierRequest(dp), "barrier")

    def _update_lb(self):
        for bridge in self.bridges.values():
            if self._role(bridge.dp.id) == "lb" and bridge.groups is not None:
                if self._sync_groups(bridge):
                    dp = bridge.dp
                    self._send(bridge, dp.ofproto_parser.OFPBarrierRequest(dp),
                               "barrier")

    def _set_server_up(self, dpid, up):
        role = self._role(dpid)
        if role is None or role == "lb":
            return
        if up == (role.name not in self.down):
            return
        if up:
            self.down.discard(role.name)
        else:
            self.down.add(role.name)
        self.logger.info("server %s is %s", role.name, "up" if up else "down")
        self._update_lb()

    # Events.

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def _features(self, ev):
        dp = ev.msg.datapath
        bridge = Bridge(dp)
        self.bridges[dp.id] = bridge
        if self._role(dp.id) is None:
            self.logger.info("%s: not in the configuration; left alone",
                             bridge.name)
            return
        dp.send_msg(dp.ofproto_parser.OFPPortDescStatsRequest(dp, 0))
        self._start_sync(bridge)

    @set_ev_cls(ofp_event.EventOFPPortDescStatsReply, MAIN_DISPATCHER)
    def _port_desc(self, ev):
        bridge = self._bridge_of(ev.msg)
        for port in ev.msg.body:
            if bridge and port.port_no == ev.msg.datapath.ofproto.OFPP_LOCAL:
                name = port.name.decode(errors="replace")
                bridge.name = "%s (dpid %016x)" % (name, bridge.dp.id)

    @set_ev_cls(ofp_event.EventOFPFlowStatsReply, MAIN_DISPATCHER)
    def _flow_stats(self, ev):
        msg = ev.msg
        bridge = self._bridge_of(msg)
        if bridge is None:
            return
        bridge.flows.extend(msg.body)
        if msg.flags & msg.datapath.ofproto.OFPMPF_REPLY_MORE:
            return
        if self._role(msg.datapath.id) == "lb":
            dp = msg.datapath
            dp.send_msg(dp.ofproto_parser.OFPGroupDescStatsRequest(dp, 0))
        else:
            self._guard(bridge, self._sync, bridge)

    @set_ev_cls(ofp_event.EventOFPGroupDescStatsReply, MAIN_DISPATCHER)
    def _group_desc(self, ev):
        msg = ev.msg
        bridge = self._bridge_of(msg)
        if bridge is None:
            return
        if bridge.groups is None:
            bridge.groups = {}
        for desc in msg.body:
            bridge.groups[desc.group_id] = self._bytes(desc.buckets)
        if not msg.flags & msg.datapath.ofproto.OFPMPF_REPLY_MORE:
            self._guard(bridge, self._sync, bridge)

    @set_ev_cls(ofp_event.EventOFPErrorMsg, MAIN_DISPATCHER)
    def _error(self, ev):
        msg = ev.msg
        bridge = self._bridge_of(msg)
        if bridge is None:
            return
        what = bridge.pending.get(msg.xid, "message xid %#x" % msg.xid)
        self.logger.error("%s: switch refused %s: error type %d code %d",
                          bridge.name, what, msg.type, msg.code)
        bridge.failed = True

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def _barrier(self, ev):
        bridge = self._bridge_of(ev.msg)
        if bridge is None:
            return
        bridge.pending.clear()
        bridge.in_sync = not bridge.failed
        if bridge.in_sync:
            self.logger.info("%s: in sync", bridge.name)
        else:
            self.logger.error("%s: NOT in sync", bridge.name)
        self._set_server_up(bridge.dp.id, bridge.in_sync)

    @set_ev_cls(ofp_event.EventOFPStateChange, DEAD_DISPATCHER)
    def _dead(self, ev):
        dp = ev.datapath
        if dp.id is None or dp.id not in self.bridges:
            return
        if self.bridges[dp.id].dp is not dp:
            return
        bridge = self.bridges.pop(dp.id)
        self.logger.info("%s: disconnected", bridge.name)
        self._set_server_up(dp.id, False)

    def _guard(self, bridge, fn, *args):
        """Runs 'fn' so that a bug or a surprise from one bridge is logged
        and leaves that bridge not in sync, instead of stopping the
        controller."""
        try:
            fn(*args)
        except Exception:
            self.logger.exception("%s: synchronization failed", bridge.name)
            bridge.failed = True
            bridge.in_sync = False
