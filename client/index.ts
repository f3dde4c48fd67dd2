export * from "./errors.js";
export * from "./client.js";
export * from "./dump.js";
export * from "./subscription.js";
export * from "./view.js";
export * from "./open.js";
export { locateAttr } from "./attr-path.js";
