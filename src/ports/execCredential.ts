/**
 * Runs a kubeconfig's credential plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`,
 * `kubelogin`) as kubectl does: KUBERNETES_EXEC_INFO in its environment, an ExecCredential on
 * its stdout; the credential is kept until its expiry (or until the API answers 401).
 */
import { execFile } from "node:child_process";
import { isAbsolute, join } from "node:path";
import { ClusterError } from "../errors.js";
import type { ExecConfig } from "./kubeconfig.js";

export interface ExecCredential {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  /** Epoch ms; undefined means "valid for this process". */
  readonly expiresAt?: number;
}

/** Seconds before expiry at which a credential is fetched again (clock skew, slow requests). */
const EARLY_MS = 10_000;

export function credentialIsFresh(credential: ExecCredential, now: number): boolean {
  return credential.expiresAt === undefined || credential.expiresAt - EARLY_MS > now;
}

/** The plugin's stdout as a credential; throws with the plugin named when it is not one. */
export function parseExecCredential(stdout: string, command: string): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw pluginError(command, "printed something that is not an ExecCredential (JSON)");
  }
  const status = (doc as { status?: Record<string, unknown> } | null)?.status ?? {};
  const token = typeof status.token === "string" ? status.token : undefined;
  const cert =
    typeof status.clientCertificateData === "string" ? status.clientCertificateData : undefined;
  const key = typeof status.clientKeyData === "string" ? status.clientKeyData : undefined;
  if (!token && !(cert && key)) {
    throw pluginError(command, "returned neither a token nor a client certificate and key");
  }
  const expiry =
    typeof status.expirationTimestamp === "string"
      ? Date.parse(status.expirationTimestamp)
      : Number.NaN;
  return {
    ...(token ? { token } : {}),
    ...(cert && key ? { clientCertificateData: cert, clientKeyData: key } : {}),
    ...(Number.isNaN(expiry) ? {} : { expiresAt: expiry }),
  };
}

function pluginError(command: string, what: string): ClusterError {
  return new ClusterError({
    status: 0,
    reason: "ExecCredentialFailed",
    message: `the kubeconfig's credential plugin ${command} ${what}`,
    object: "kubeconfig",
  });
}

/** Runs the plugin once. `cluster`: what provideClusterInfo hands it. */
export function runExecPlugin(
  exec: ExecConfig,
  cluster: { server: string; caData?: string; insecureSkipTlsVerify: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExecCredential> {
  const info = {
    apiVersion: exec.apiVersion,
    kind: "ExecCredential",
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo
        ? {
            cluster: {
              server: cluster.server,
              ...(cluster.caData ? { "certificate-authority-data": cluster.caData } : {}),
              "insecure-skip-tls-verify": cluster.insecureSkipTlsVerify,
            },
          }
        : {}),
    },
  };
  // kubectl runs a command with a path relative to the kubeconfig's folder, a bare name from PATH.
  const command =
    exec.command.includes("/") && !isAbsolute(exec.command)
      ? join(exec.baseDir, exec.command)
      : exec.command;
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...exec.args],
      {
        env: {
          ...env,
          ...Object.fromEntries(exec.env.map((e) => [e.name, e.value])),
          KUBERNETES_EXEC_INFO: JSON.stringify(info),
        },
        maxBuffer: 4 * 1024 * 1024,
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why =
            code === "ENOENT"
              ? "was not found (install it, or fix users[].user.exec.command)"
              : `failed: ${String(stderr).trim().split("\n").slice(-3).join(" ") || err.message}`;
          reject(pluginError(command, why));
          return;
        }
        try {
          resolve(parseExecCredential(String(stdout), command));
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
  });
}
