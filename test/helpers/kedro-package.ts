import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A copy of the example project with the dist/ files `kedro package` makes, made the same way
 * (kedro/framework/cli/project.py): the conf tarball with GNU tar and Kedro's arguments, the
 * wheel as a zip of the package (Python's zipfile). The real `kedro package` runs in the
 * harness (test/python/harness).
 */
export const EXAMPLE = path.join(__dirname, "..", "..", "examples", "spaceflights_spark");
export const PKG = "spaceflights_spark";
export const WHEEL = `${PKG}-0.1.0-py3-none-any.whl`;

/** Copies the example's src/, conf/ and pyproject.toml with an old file time. */
export function copyExample(project: string): void {
  fs.cpSync(path.join(EXAMPLE, "src"), path.join(project, "src"), { recursive: true });
  fs.cpSync(path.join(EXAMPLE, "conf"), path.join(project, "conf"), { recursive: true });
  fs.copyFileSync(path.join(EXAMPLE, "pyproject.toml"), path.join(project, "pyproject.toml"));
}

/** Sources get an old time, so that what `kedro package` writes next is newer. */
export function setOld(dir: string): void {
  const old = new Date("2024-01-01T00:00:00Z");
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    fs.utimesSync(path.join(entry.parentPath, entry.name), old, old);
  }
}

/** An edit after the build. */
export function touchLater(file: string): void {
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(file, later, later);
}

/** What `kedro package` writes to `<project>/dist/`. */
export function kedroPackage(project: string, wheelName = WHEEL): void {
  const dist = path.join(project, "dist");
  fs.mkdirSync(dist, { recursive: true });
  execFileSync("python3", ["-m", "zipfile", "-c", path.join(dist, wheelName), PKG], {
    cwd: path.join(project, "src"),
  });
  execFileSync("tar", [
    "--exclude=local/*.yml",
    "-czf",
    path.join(dist, `conf-${PKG}.tar.gz`),
    `--directory=${project}`,
    "conf",
  ]);
}
