/**
 * Access to a hub's drive (and its database volume) as archive and restore need it: which users
 * have a home, a folder as a tar stream, and a tar stream laid into a folder without
 * overwriting anything. In production an archiver pod in the hub's namespace runs `tar`
 * (src/archive/archiverPod.ts); the tests read and write a real NFS server.
 */
import type { Readable } from "node:stream";

/** A folder of the drive, relative to the drive's root (`home/alice`, `shared`). */
export type DrivePath = string;

export interface DrivePort {
  /** The names of the folders under `home/` (one per user who ever started a server). */
  users(): Promise<string[]>;
  /** Whether `path` exists (a file or folder). */
  exists(path: DrivePath): Promise<boolean>;
  /** Of `paths` (relative to `base`), those that exist: what a restore would overwrite. */
  existing(base: DrivePath, paths: readonly string[]): Promise<string[]>;
  /**
   * The folder `path` as an uncompressed tar stream, entries relative to the folder (`./` is
   * the folder itself), owners as numbers.
   */
  readTar(path: DrivePath): Readable;
  /**
   * Bytes of the regular files under `path` (what an archive of it reads), for the progress
   * bar's total; folders and links count nothing, as in the tar's file entries.
   */
  fileBytes(path: DrivePath): Promise<number>;
  /** The same for the hub database's folder. */
  databaseFileBytes(): Promise<number>;
  /** Whether the hub has a database volume to archive. */
  hasDatabase(): Promise<boolean>;
  /** The hub database's folder (JupyterHub's sqlite file and its neighbours) as a tar stream. */
  readDatabaseTar(): Readable;
  /**
   * Lays a tar stream into `path` (made when missing), refusing to replace anything. With
   * `readOnly`, every write bit is taken off (`chmod -R a-w`: a private file stays private).
   */
  writeTar(path: DrivePath, tar: Readable, options: { readOnly: boolean }): Promise<void>;
  /** Ends the session (removes the archiver pod). */
  close(): Promise<void>;
}
