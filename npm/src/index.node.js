// Node entry (ES module) of @zkml/verifier: the same instance as the CommonJS entry, so that a
// program that both imports and requires the package initialises it once.
import { createRequire } from "node:module";

const api = createRequire(import.meta.url)("./index.cjs");

export const {
  init,
  verify,
  inspect,
  verifyKzgBatch,
  selfTest,
  formatVersion,
  isInitialised,
  VerifierError,
  isVerifierError,
  ERROR_CODES,
  INVALID_CODES,
} = api;
export default init;
