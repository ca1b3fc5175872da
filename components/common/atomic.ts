import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Writes a file whole or not at all: the text goes to a temporary file beside the target,
 * which is then renamed over it (rename is atomic within one file system).
 */
export function writeFileAtomic(file: string, text: string | Buffer): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
