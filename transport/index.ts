export * from "./transport.js";
export * from "./errors.js";
export * from "./tee.js";
export * from "./faults.js";
export { createTun, type TunOptions } from "./tun.js";
export * from "./iterate.js";
export { openNative, NativeTransport, type NativeOpenOptions } from "./native.js";
export { loadNativeAddon, defaultAddonPath } from "./native-addon.js";
