import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Replaces the given top-level folders of `outDir` (e.g. `dags/`, `artifacts/`) with freshly
 * written ones. Everything is written to a staging folder first; the folders are then swapped
 * in by rename, so a failure while writing leaves `outDir` as it was. Other files in `outDir`
 * are left alone.
 */
export function writeTreeAtomic(
  outDir: string,
  files: readonly { path: string; content: string | Buffer }[],
): void {
  const out = path.resolve(outDir);
  const parent = path.dirname(out);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(out)}.staging-`));
  try {
    for (const file of files) {
      const target = path.join(staging, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content);
    }
    fs.mkdirSync(out, { recursive: true });
    const tops = [...new Set(files.map((f) => f.path.split("/")[0]!))].sort();
    for (const top of tops) {
      const fresh = path.join(staging, top);
      const current = path.join(out, top);
      const old = path.join(staging, `${top}.old`);
      if (fs.existsSync(current)) fs.renameSync(current, old);
      fs.renameSync(fresh, current);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
