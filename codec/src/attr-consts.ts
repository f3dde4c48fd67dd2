/** nla_type bits (linux/netlink.h). */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;
