import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildArchive, projectEntries } from "../components/resources/archive";

let tmp: string;
beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kak-archive-"))));
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const LONG = `src/pkg/${"d".repeat(60)}/${"e".repeat(60)}/na\u00efve_module.py`;

/** A small project with everything the archive must keep and everything it must leave out. */
function makeProject(root: string): void {
  const files: Record<string, string> = {
    "pyproject.toml": "[tool.kedro]\npackage_name = 'pkg'\n",
    "requirements.txt": "kedro\n",
    "conf/base/catalog.yml": "x: {type: pandas.CSVDataset}\n",
    "conf/base/credentials.yml": "secret: MARKER-BASE\n",
    "conf/local/settings.yml": "secret: MARKER-LOCAL\n",
    "conf/prod/credentials_gcp.yaml": "secret: MARKER-PROD\n",
    "src/pkg/__init__.py": "",
    [LONG]: "x = 1\n",
    "src/pkg/__pycache__/m.cpython-311.pyc": "bytecode",
    "data/01_raw/big.csv": "a,b\n",
    ".git/HEAD": "ref\n",
    ".venv/bin/python": "",
    "env311/pyvenv.cfg": "home = /usr\n",
    "env311/lib/site.py": "",
    "node_modules/x/index.js": "",
    "scripts/run.sh": "#!/bin/sh\necho hi\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  fs.chmodSync(path.join(root, "scripts/run.sh"), 0o775);
}

/** Python's tarfile, an independent reader: names, modes, owners, mtimes and contents. */
function pythonReads(
  archive: Buffer,
): { name: string; mode: number; uid: number; gid: number; mtime: number; data: string }[] {
  const file = path.join(tmp, "read.tar.gz");
  fs.writeFileSync(file, archive);
  const program = [
    "import json, sys, tarfile",
    "with tarfile.open(sys.argv[1], 'r:gz') as t:",
    "    out = [dict(name=m.name, mode=m.mode, uid=m.uid, gid=m.gid, mtime=m.mtime, data=t.extractfile(m).read().decode()) for m in t.getmembers()]",
    "print(json.dumps(out))",
  ].join("\n");
  return JSON.parse(execFileSync("python3", ["-c", program, file], { encoding: "utf8" }));
}

describe("project archive", () => {
  it("holds the project's files and leaves out secrets, local config, data, caches and virtualenvs", () => {
    const root = path.join(tmp, "p");
    makeProject(root);
    const members = pythonReads(buildArchive(projectEntries(root)));
    expect(members.map((m) => m.name)).toEqual([
      "conf/base/catalog.yml",
      "pyproject.toml",
      "requirements.txt",
      "scripts/run.sh",
      "src/pkg/__init__.py",
      LONG,
    ]);
    expect(members.find((m) => m.name === LONG)?.data).toBe("x = 1\n");
    expect(members.find((m) => m.name === "scripts/run.sh")?.mode).toBe(0o755);
    expect(members.find((m) => m.name === "pyproject.toml")?.mode).toBe(0o644);
    for (const m of members) {
      expect([m.uid, m.gid, m.mtime]).toEqual([0, 0, 946684800]);
      expect(m.data).not.toMatch(/MARKER/);
    }
  });

  it("is byte-identical for identical files, whatever their times, modes, owners or creation order", () => {
    const a = path.join(tmp, "a");
    const b = path.join(tmp, "b");
    makeProject(a);
    const oldUmask = process.umask(0o077);
    try {
      makeProject(b);
    } finally {
      process.umask(oldUmask);
    }
    fs.utimesSync(path.join(b, "pyproject.toml"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    fs.chmodSync(path.join(b, "requirements.txt"), 0o600);
    const bytesA = buildArchive(projectEntries(a));
    const bytesB = buildArchive(projectEntries(b));
    expect(bytesB.equals(bytesA)).toBe(true);
    expect(bytesA.readUInt32LE(4)).toBe(0); // gzip header mtime
  });

  it("changes when a file changes", () => {
    const root = path.join(tmp, "p");
    makeProject(root);
    const before = buildArchive(projectEntries(root));
    fs.writeFileSync(path.join(root, "src/pkg/__init__.py"), "VERSION = 2\n");
    expect(buildArchive(projectEntries(root)).equals(before)).toBe(false);
  });
});
