/**
 * Where the CLI's output goes: the process's streams, or buffers in tests.
 */

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Commands that finish without throwing may still fail (e.g. validate found errors). */
  setExitCode(code: number): void;
  exitCode(): number;
  readonly cwd: string;
  /** Whether output goes to a terminal (live progress) or a log (plain lines). */
  readonly isTTY: boolean;
}

export function processIo(): Io {
  let code = 0;
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    setExitCode: (c) => {
      code = Math.max(code, c);
    },
    exitCode: () => code,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
  };
}

/** An Io that collects output, for tests. */
export function bufferIo(cwd = process.cwd()): Io & { stdout(): string; stderr(): string } {
  let out = "";
  let err = "";
  let code = 0;
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    setExitCode: (c) => {
      code = Math.max(code, c);
    },
    exitCode: () => code,
    cwd,
    isTTY: false,
    stdout: () => out,
    stderr: () => err,
  };
}
