/**
 * The drive port of archive and restore over a real NFS server: a libnfs session (as root, as
 * the production archiver pod is: the drive's export does not squash root) reads and writes
 * the drive, and the tar streams are built and unpacked in Node with tar-stream, so the archive
 * is the same tar format the archiver pod's `tar` writes. The hub database is a local folder
 * (the hub's database volume is no NFS export; named here as a stand-in).
 *
 * libnfs 4.0 cannot change a directory's owner or mode once made (its chown/chmod OPEN the
 * path, which a directory refuses): directories get their mode as they are made, and
 * everything is owned by root here, where `tar --same-owner` keeps the archived owners in the
 * pod. Restores are checked for bytes, sha256s and modes, not owners. Read-only is what the
 * pod's `chmod -R a-w` does: the archived modes without their write bits.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { extract, pack } from "tar-stream";
import type { DrivePort } from "../../src/ports/drive.js";
import type { NfsAnswer, NfsSession } from "./ganesha.js";

/** Bytes read per request (the client reads in 1 KiB calls underneath). */
const READ_PIECE = 256 * 1024;

interface Node {
  readonly name: string;
  readonly type: "file" | "dir";
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly size: number;
}

/** A folder walked for a tar: its entries, parents first, by name. */
interface Source {
  list(path: string): Promise<string[]>;
  stat(path: string): Promise<Node | undefined>;
  read(path: string, size: number): Promise<Buffer>;
}

function ok(answer: NfsAnswer, what: string): NfsAnswer {
  if (!answer.ok) throw new Error(`NFS ${what}: ${answer.error}`);
  return answer;
}

/** The tar of `root` from `source`: `./` first, then every folder and file under it. */
function tarOf(source: Source, root: string): Readable {
  const out = pack();
  const walk = async (rel: string): Promise<void> => {
    const full = rel === "" ? root : `${root}/${rel}`;
    const node = await source.stat(full);
    if (!node) throw new Error(`${full} does not exist on the drive`);
    const header = {
      name: rel === "" ? "./" : `./${rel}${node.type === "dir" ? "/" : ""}`,
      mode: node.mode,
      uid: node.uid,
      gid: node.gid,
      mtime: new Date(node.mtime * 1000),
    };
    if (node.type === "file") {
      out.entry({ ...header, type: "file", size: node.size }, await source.read(full, node.size));
      return;
    }
    out.entry({ ...header, type: "directory" });
    for (const name of await source.list(full)) await walk(rel === "" ? name : `${rel}/${name}`);
  };
  walk("").then(
    () => out.finalize(),
    (err: Error) => out.destroy(err),
  );
  return out as unknown as Readable;
}

/** Bytes of the regular files under `root`, as the archiver pod's `find … -type f` sums them. */
async function fileBytesOf(source: Source, root: string): Promise<number> {
  const node = await source.stat(root);
  if (!node) return 0;
  if (node.type === "file") return node.size;
  let sum = 0;
  for (const name of await source.list(root)) {
    sum += await fileBytesOf(source, root === "" ? name : `${root}/${name}`);
  }
  return sum;
}

export class NfsDrive implements DrivePort {
  constructor(
    private readonly session: NfsSession,
    /** The stand-in for the hub's database volume: a local folder, or none. */
    private readonly databaseDir?: string,
  ) {}

  private async lstat(path: string): Promise<Node | undefined> {
    const a = (await this.session.request({ op: "lstat", path: `/${path}` })) as NfsAnswer & {
      type?: string;
      mtime?: number;
    };
    if (!a.ok) {
      if (/NOENT/.test(a.error ?? "")) return undefined;
      throw new Error(`NFS lstat /${path}: ${a.error}`);
    }
    if (a.type !== "file" && a.type !== "dir") {
      throw new Error(`/${path} is a ${a.type}: this test drive archives files and folders only`);
    }
    return {
      name: path,
      type: a.type,
      mode: a.mode ?? 0,
      uid: a.uid ?? 0,
      gid: a.gid ?? 0,
      mtime: a.mtime ?? 0,
      size: a.size ?? 0,
    };
  }

  private readonly source: Source = {
    list: async (path) => {
      const a = ok(await this.session.request({ op: "readdir", path: `/${path}` }), "readdir");
      return (a as NfsAnswer & { names: string[] }).names;
    },
    stat: (path) => this.lstat(path),
    read: async (path, size) => {
      const pieces: Buffer[] = [];
      for (let offset = 0; offset < size || offset === 0; offset += READ_PIECE) {
        const a = ok(
          await this.session.request({
            op: "readbytes",
            path: `/${path}`,
            offset,
            count: READ_PIECE,
          }),
          "read",
        ) as NfsAnswer & { data: string };
        pieces.push(Buffer.from(a.data, "base64"));
        if (size === 0) break;
      }
      const data = Buffer.concat(pieces);
      if (data.length !== size) throw new Error(`/${path}: read ${data.length} of ${size} bytes`);
      return data;
    },
  };

  async users(): Promise<string[]> {
    if (!(await this.exists("home"))) return [];
    const names = await this.source.list("home");
    const dirs: string[] = [];
    for (const n of names) if ((await this.lstat(`home/${n}`))?.type === "dir") dirs.push(n);
    return dirs;
  }

  async exists(path: string): Promise<boolean> {
    return (await this.lstat(path)) !== undefined;
  }

  async existing(base: string, paths: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const p of paths) if (await this.exists(`${base}/${p}`)) found.push(p);
    return found;
  }

  readTar(path: string): Readable {
    return tarOf(this.source, path);
  }

  async hasDatabase(): Promise<boolean> {
    return this.databaseDir !== undefined;
  }

  async fileBytes(path: string): Promise<number> {
    return (await this.exists(path)) ? fileBytesOf(this.source, path) : 0;
  }

  async databaseFileBytes(): Promise<number> {
    return fileBytesOf(this.databaseSource(), "");
  }

  readDatabaseTar(): Readable {
    return tarOf(this.databaseSource(), "");
  }

  private databaseSource(): Source {
    const dir = this.databaseDir;
    if (dir === undefined) throw new Error("no database folder");
    return {
      list: async (p) => readdirSync(join(dir, p)).sort(),
      stat: async (p) => {
        const s = lstatSync(join(dir, p));
        return {
          name: p,
          type: s.isDirectory() ? "dir" : "file",
          mode: s.mode & 0o7777,
          uid: s.uid,
          gid: s.gid,
          mtime: Math.floor(s.mtimeMs / 1000),
          size: s.size,
        };
      },
      read: async (p) => readFileSync(join(dir, p)),
    };
  }

  /** Makes each missing folder of `path` (as root, 0755 as kubelet would; the last `lastMode`). */
  private async makeFolders(path: string, lastMode: number): Promise<void> {
    const parts = path.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      const mode = i === parts.length ? lastMode : 0o755;
      if (!(await this.exists(p)))
        ok(await this.session.request({ op: "mkdir", path: `/${p}`, mode }), `mkdir /${p}`);
    }
  }

  async writeTar(path: string, tar: Readable, options: { readOnly: boolean }): Promise<void> {
    await this.makeFolders(path, options.readOnly ? 0o555 : 0o755);
    const unpack = extract();
    const done = new Promise<void>((resolve, reject) => {
      unpack.on("entry", (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on("data", (d: unknown) => chunks.push(d as Buffer));
        stream.on("error", next);
        stream.on("end", () => {
          const rel = header.name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
          const full = rel === "" ? `/${path}` : `/${path}/${rel}`;
          const write = async () => {
            if (header.type === "directory") {
              if (rel === "") return; // the folder itself: made above
              const mode = (header.mode ?? 0o755) & (options.readOnly ? ~0o222 : 0o7777);
              ok(await this.session.request({ op: "mkdir", path: full, mode }), `mkdir ${full}`);
            } else if (header.type === "file") {
              const mode = (header.mode ?? 0o644) & (options.readOnly ? ~0o222 : 0o7777);
              const data = Buffer.concat(chunks).toString("base64");
              ok(
                await this.session.request({ op: "putfile", path: full, data, mode }),
                `create ${full}`,
              );
            } else {
              throw new Error(
                `${rel}: a ${header.type} entry; this test drive lays files and folders only`,
              );
            }
          };
          write().then(() => next(), next);
        });
      });
      unpack.on("finish", () => resolve());
      unpack.on("error", reject);
    });
    tar.on("error", (err) => unpack.destroy(err));
    tar.pipe(unpack as unknown as NodeJS.WritableStream);
    await done;
  }

  async close(): Promise<void> {}
}
