/**
 * zstd compression as streams, through the `zstd` program (Debian's `zstd`): Node 20 has no
 * zstd of its own, and the npm bindings either download prebuilt binaries or are unmaintained.
 * `zstd -T0` compresses on every core; a failed or missing program becomes a ToolError.
 */
import { spawn } from "node:child_process";
import { Duplex } from "node:stream";
import { ToolError } from "../errors.js";

/** The compression level: zstd's default, fast and a good ratio for notebooks and data. */
const LEVEL = "-3";

function zstdStream(args: string[]): Duplex {
  const command = ["zstd", ...args];
  const child = spawn(command[0] ?? "zstd", command.slice(1), {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  const fail = (message: string, exitCode: number | null) =>
    duplex.destroy(new ToolError({ message, command, stderr, exitCode }));
  child.on("error", (err: NodeJS.ErrnoException) =>
    fail(
      err.code === "ENOENT"
        ? "the zstd program is not installed: install it (Debian/Ubuntu: apt-get install zstd; macOS: brew install zstd)"
        : `zstd could not start: ${err.message}`,
      null,
    ),
  );
  child.on("close", (code) => {
    if (code !== 0 && code !== null) fail(`zstd failed (exit ${code}): ${stderr.trim()}`, code);
  });
  // A reader that stops early (an error downstream) must not leave zstd behind.
  duplex.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}

/** A stream that compresses what is written into it. */
export function zstdCompress(): Duplex {
  return zstdStream([LEVEL, "-T0", "-q", "-c"]);
}

/** A stream that decompresses what is written into it (fails on a damaged stream). */
export function zstdDecompress(): Duplex {
  return zstdStream(["-d", "-q", "-c"]);
}
