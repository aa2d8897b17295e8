// Node entry (CommonJS) of @zkml/verifier: the wasm-bindgen nodejs bindings (./node), which read
// the package's own zkml_verifier_bg.wasm from disk when `init()` first runs; no fetch.
"use strict";
const { createApi } = require("./core.cjs");

// `source` (a URL or bytes, for browsers) is not needed in Node and is ignored.
module.exports = createApi(async () => require("./node/zkml_verifier.cjs"));
module.exports.default = module.exports.init;
