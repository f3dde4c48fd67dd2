/**
 * Decoders for the netlink protocols whose messages the YNL format cannot
 * describe (see docs/dedicated-decoders.md): kobject uevents are text, the
 * connector's process events are a C union selected by a bit value.
 */
export * from "./uevent.js";
export * from "./connector.js";
export * from "./xfrm-address.js";
export * from "./audit.js";
