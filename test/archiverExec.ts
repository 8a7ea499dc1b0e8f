/**
 * A stand-in for the Kubernetes exec API, named as such: kwok runs no containers, so the
 * archiver pod's commands (the same argument lists PodDrive sends) run on this machine instead,
 * by its GNU tar and sh, with the pod's mount paths mapped to local folders (the drive's served
 * folder, the database folder). What it leaves untested: the WebSocket exec itself.
 */
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import type { ExecPort } from "../src/ports/kubeExec.js";

export function localExec(mounts: Readonly<Record<string, string>>): ExecPort & {
  readonly commands: string[][];
} {
  const commands: string[][] = [];
  const map = (arg: string) =>
    Object.entries(mounts).reduce((a, [pod, local]) => a.split(pod).join(local), arg);
  return {
    commands,
    exec({ command, stdin }) {
      commands.push([...command]);
      const [cmd, ...args] = command.map(map);
      const child = spawn(cmd ?? "", args, { stdio: ["pipe", "pipe", "pipe"] });
      const stdout = new PassThrough();
      child.stdout.pipe(stdout);
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      if (stdin) stdin.pipe(child.stdin);
      else child.stdin.end();
      const done = new Promise<void>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code) =>
          code === 0
            ? resolve()
            : reject(new Error(`${command.join(" ")}: exit ${code}: ${stderr}`)),
        );
      });
      done.catch(() => {});
      return { stdout, done };
    },
  };
}
