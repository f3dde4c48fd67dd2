// world root:component/root
import type * as NlwireShimSys from './interfaces/nlwire-shim-sys.js'; // nlwire:shim/sys@0.1.0
import type * as NlwireShimTypes from './interfaces/nlwire-shim-types.js'; // nlwire:shim/types@0.1.0
import type * as NlwireShimShim from './interfaces/nlwire-shim-shim.js'; // nlwire:shim/shim@0.1.0
export interface ImportObject {
  'nlwire:shim/sys@0.1.0': typeof NlwireShimSys,
  'nlwire:shim/types@0.1.0': typeof NlwireShimTypes,
}
export interface Root {
  'nlwire:shim/shim@0.1.0': typeof NlwireShimShim,
  shim: typeof NlwireShimShim,
}

/**
* Instantiates this component with the provided imports and
* returns a map of all the exports of the component.
*
* This function is intended to be similar to the
* `WebAssembly.Instantiate` constructor. The second `imports`
* argument is the "import object" for wasm, except here it
* uses component-model-layer types instead of core wasm
* integers/numbers/etc.
*
* The first argument to this function, `getCoreModule`, is
* used to compile core wasm modules within the component.
* Components are composed of core wasm modules and this callback
* will be invoked per core wasm module. The caller of this
* function is responsible for reading the core wasm module
* identified by `path` and returning its compiled
* `WebAssembly.Module` object. This would use the
* `WebAssembly.Module` constructor on the web, for example.
*/
export function instantiate(
getCoreModule: (path: string) => WebAssembly.Module,
imports: ImportObject,
instantiateCore?: (module: WebAssembly.Module, imports: Record<string, any>) => WebAssembly.Instance
): Root;

