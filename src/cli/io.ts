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
  /** Whether stdout and stderr may carry colour (a terminal, and NO_COLOR unset). */
  readonly colour: { readonly out: boolean; readonly err: boolean };
  /** The whole of standard input, for a fleet file given as `-`. */
  readStdin(): Promise<string>;
  /** Environment the command reads (KUBECONFIG, HOME, NO_COLOR); process.env outside tests. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export function colourWanted(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/**
 * A write to a pipe whose reader has gone (`hubfleet render … | head`) fails with EPIPE. That
 * is the reader's choice, not a failure of the command: from then on that stream's output is
 * dropped and the command runs to its end, so apply never stops half-way with its lock held,
 * and the exit code is the command's own (0 when it succeeded) rather than 141, which would
 * fail a script running under `set -o pipefail`.
 */
function quietWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") closed = true;
    else throw err;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

export function processIo(): Io {
  let code = 0;
  const env = process.env;
  return {
    out: quietWriter(process.stdout),
    err: quietWriter(process.stderr),
    setExitCode: (c) => {
      code = Math.max(code, c);
    },
    exitCode: () => code,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
    colour: { out: colourWanted(process.stdout, env), err: colourWanted(process.stderr, env) },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks).toString("utf8");
    },
    env,
  };
}

/** An Io that collects output, for tests: `stdin` is what `-` reads, `env` what the command sees. */
export function bufferIo(
  cwd = process.cwd(),
  options: { stdin?: string; env?: Record<string, string | undefined> } = {},
): Io & { stdout(): string; stderr(): string } {
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
    colour: { out: false, err: false },
    readStdin: async () => options.stdin ?? "",
    env: options.env ?? process.env,
    stdout: () => out,
    stderr: () => err,
  };
}
