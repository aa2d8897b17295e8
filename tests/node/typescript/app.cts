// The same package through `require` (CommonJS), type-checked with `tsc --strict` by
// tests/node/package.test.mjs.
import zkml = require("@zkml/verifier");

async function main(vk: Uint8Array, proof: ArrayBuffer): Promise<string> {
  await zkml.init();
  const r: zkml.VerifyResult = zkml.verify(vk, proof);
  return r.valid ? `${r.modelName} ${r.modelDigest} ${r.outputs[0].length}` : `${r.code}: ${r.error}`;
}

export = main;
