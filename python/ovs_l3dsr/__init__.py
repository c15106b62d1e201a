"""ovs-l3dsr for os-ken: the set_daddr_on_dscp and hmark Nicira extension
actions (ovs_l3dsr.nx_actions)."""
