/**
 * Writing a Bundle's files (bundleFiles) to disk, all or nothing: files go to a temporary folder beside the target,
 * which replaces the target only when every file is written.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { BundleFile } from "../vocabulary/objects.js";

/** Marks a folder as written by `hubfleet render`, so a later render may replace it. */
export const RENDER_MARKER = ".hubfleet-render";

export async function writeBundle(outDir: string, files: readonly BundleFile[]): Promise<void> {
  const target = resolve(outDir);
  await checkReplaceable(target, outDir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const staging = join(parent, `.${basename(target)}.new-${suffix}`);
  const previous = join(parent, `.${basename(target)}.old-${suffix}`);
  try {
    for (const file of files) {
      const path = join(staging, ...file.path.split("/"));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content);
    }
    await writeFile(
      join(staging, RENDER_MARKER),
      "This folder is written by `hubfleet render` and replaced on every render.\n",
    );
    const exists = await isDirectory(target);
    if (exists) await rename(target, previous);
    await rename(staging, target);
    if (exists) await rm(previous, { recursive: true, force: true });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function checkReplaceable(target: string, shown: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(target);
  } catch {
    return;
  }
  if (!info.isDirectory()) {
    throw new UsageError(
      `output "${shown}" exists and is not a folder`,
      "choose another --out-dir folder",
    );
  }
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(RENDER_MARKER)) {
    throw new UsageError(
      `output folder "${shown}" is not empty and was not written by hubfleet render`,
      "render replaces its output folder whole: choose an empty or new folder",
    );
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
