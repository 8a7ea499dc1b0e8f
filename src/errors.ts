/**
 * The error types that are not about the fleet file itself. Only the CLI turns errors into
 * messages and exit codes; libraries throw these and never exit.
 */

/**
 * Something hubfleet was asked to do cannot be done as asked (an unknown --hub, a missing
 * kubeconfig, an output folder that is not ours). Commands decide these before they contact a
 * cluster; the CLI prints the message and hint, never "this is a bug".
 */
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

/** A failed call to the Kubernetes API: what was asked, what the API answered. */
export class ClusterError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly object: string;

  constructor(options: { status: number; reason: string; message: string; object: string }) {
    super(`${options.object}: ${options.message}`);
    this.name = "ClusterError";
    this.status = options.status;
    this.reason = options.reason;
    this.object = options.object;
  }

  get notFound(): boolean {
    return this.status === 404;
  }
  get conflict(): boolean {
    return this.status === 409;
  }
  /** Worth trying again: conflicts, throttling, timeouts, an API server restarting. */
  get retryable(): boolean {
    return [0, 409, 429, 500, 502, 503, 504].includes(this.status);
  }
}

/** The fleet lock is held by another apply, or was lost (fencing). */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockError";
  }
}
