/**
 * The error types that are not about the fleet file itself. Only the CLI turns errors into
 * messages and exit codes; libraries throw these and never exit.
 */

/** Something hubfleet was asked to do cannot be done as asked (e.g. the output folder is not ours). */
export class UsageError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = "UsageError";
    this.hint = hint;
  }
}

/** An external command (helm, eksctl, the Go checker) failed. */
export class ToolError extends Error {
  readonly command: readonly string[];
  readonly stderr: string;
  readonly exitCode: number | null;

  constructor(options: {
    message: string;
    command: readonly string[];
    stderr: string;
    exitCode: number | null;
  }) {
    super(options.message);
    this.name = "ToolError";
    this.command = options.command;
    this.stderr = options.stderr;
    this.exitCode = options.exitCode;
  }
}
