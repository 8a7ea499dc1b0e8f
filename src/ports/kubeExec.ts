/**
 * Running a command in a pod's container through the Kubernetes exec API (client-node's Exec,
 * over a WebSocket), with stdin and stdout as streams: how the archiver pod's `tar` is driven.
 */
import { PassThrough, type Readable } from "node:stream";
import { Exec, KubeConfig, type V1Status } from "@kubernetes/client-node";
import { ToolError } from "../errors.js";

export interface ExecPort {
  /** Starts `command`; `stdout` streams its output, `done` settles when it exits (failing on a non-zero exit). */
  exec(options: {
    namespace: string;
    pod: string;
    container: string;
    command: readonly string[];
    stdin?: Readable;
  }): { stdout: Readable; done: Promise<void> };
}

export function kubeExecPort(options: { kubeconfig?: string; context?: string }): ExecPort {
  const config = new KubeConfig();
  if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
  else config.loadFromDefault();
  if (options.context) config.setCurrentContext(options.context);
  const exec = new Exec(config);
  return {
    exec({ namespace, pod, container, command, stdin }) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let errors = "";
      stderr.on("data", (d: Buffer) => {
        errors += d.toString();
      });
      const done = new Promise<void>((resolve, reject) => {
        const fail = (message: string) => {
          const error = new ToolError({
            message: `${command.join(" ")} in pod ${namespace}/${pod}: ${message}${errors ? `: ${errors.trim()}` : ""}`,
            command,
            stderr: errors,
            exitCode: null,
          });
          stdout.destroy(error);
          reject(error);
        };
        exec
          .exec(
            namespace,
            pod,
            container,
            [...command],
            stdout,
            stderr,
            stdin ?? null,
            false,
            (status: V1Status) => {
              if (status.status === "Success") {
                stdout.end();
                resolve();
              } else fail(status.message ?? "failed");
            },
          )
          .catch((err: Error) => fail(err.message));
      });
      done.catch(() => {});
      return { stdout, done };
    },
  };
}
