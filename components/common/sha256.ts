import type * as Crypto from "node:crypto";

/**
 * SHA-256 in hex. node:crypto is loaded on the first call only: `plan` hashes nothing on most
 * pipelines (a name that is already a plain id keeps it), and loading it costs start-up time
 * (test/startup.test.ts holds `plan` to not loading it).
 */
let cryptoModule: typeof Crypto | undefined;
export function sha256Hex(data: string | Buffer): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cryptoModule ??= require("node:crypto") as typeof Crypto;
  return cryptoModule.createHash("sha256").update(data).digest("hex");
}
