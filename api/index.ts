/**
 * A typed high-level API for network configuration over the netlink
 * client: links, addresses, routes, neighbours, rules, traffic control and
 * change events, as plain objects. Start with `openHandle`.
 */
export { Handle, openHandle, type HandleOptions } from "./handle.js";
export * from "./errors.js";
export * from "./batch.js";
export * from "./links.js";
export * from "./addresses.js";
export * from "./routes.js";
export * from "./neighbours.js";
export * from "./rules.js";
export * from "./tc.js";
export * from "./events.js";
export {
  parsePrefix, type IpFamily, type Lifetime, type Scope, type RouteProtocol, type TableName,
} from "./convert.js";
