/**
 * The names iproute2 prints for rtnetlink numbers that the YNL specs leave
 * as plain integers (values from linux/if.h, linux/rtnetlink.h and
 * linux/socket.h), so that the tables read like `ip`'s.
 */
export const OPERSTATES = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];

export const ADDRESS_FAMILIES: Record<number, string> = { 0: "unspec", 1: "unix", 2: "inet", 7: "bridge", 10: "inet6", 28: "mpls", 128: "ipmr", 129: "ip6mr" };

export const SCOPES: Record<number, string> = { 0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere" };

export const TABLES: Record<number, string> = { 0: "unspec", 253: "default", 254: "main", 255: "local" };

export const PROTOCOLS: Record<number, string> = {
  0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra", 10: "mrt", 11: "zebra", 12: "bird",
  13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp", 17: "mrouted", 18: "keepalived", 42: "babel", 99: "openr", 186: "bgp",
  187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
};

export const nameOr = (table: Record<number, string>, n: number | undefined): string =>
  n === undefined ? "" : (table[n] ?? String(n));

/** "inet" / "4" → 2, "inet6" / "6" → 10; a table name or number → its number. */
export function familyNumber(s: string): number | undefined {
  return ({ inet: 2, "4": 2, ipv4: 2, inet6: 10, "6": 10, ipv6: 10, bridge: 7, "7": 7 } as Record<string, number>)[s.toLowerCase()];
}

export function tableNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const hit = Object.entries(TABLES).find(([, n]) => n === s);
  return hit ? Number(hit[0]) : undefined;
}
