export * from "./model.js";
export { resolveSpec, SpecError } from "./resolve.js";
export {
  FamilyCompiler, UNKNOWN_ATTRS, NEST_FLAGS, WIRE_NOTES, ENTRY_TYPES,
  type UnknownAttr, type WireNotes, type Obj, type SetCodec,
} from "./compile.js";
export * from "./family.js";
export * from "./typed.js";
export * from "./registry.js";
export { applyOverlay } from "./overlay.js";
export { setCompileEnabled, canCompile } from "./jit.js";
