/**
 * Velero's credentials Secret: an AWS shared-credentials file under the key `cloud`, the
 * format the AWS plugin reads (AWS_SHARED_CREDENTIALS_FILE). Pure; only the access key id is
 * ever read back, never the secret key.
 */

import { VELERO_CREDENTIALS_KEY, VELERO_CREDENTIALS_SECRET } from "../fleet/backupSettings.js";
import type { FleetModel } from "../fleet/model.js";
import { toolLabels } from "../render/tools/tool.js";
import { VELERO_NAMESPACE } from "../vocabulary/namespaces.js";
import type { KubeObject } from "../vocabulary/objects.js";

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The shared-credentials file with one `[default]` profile. */
export function credentialsFile(key: AccessKey): string {
  return `[default]\naws_access_key_id=${key.accessKeyId}\naws_secret_access_key=${key.secretAccessKey}\n`;
}

/** The access key id in a shared-credentials file's default profile, if there is one. */
export function accessKeyIdOf(file: string): string | undefined {
  let profile: string | undefined;
  for (const raw of file.split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) {
      profile = section[1];
      continue;
    }
    const entry = /^aws_access_key_id\s*=\s*(\S+)$/.exec(line);
    if (entry && profile === "default") return entry[1];
  }
  return undefined;
}

/** The access key id held by a live credentials Secret (base64 data), or null when unreadable. */
export function secretAccessKeyId(secret: KubeObject): string | null {
  const data = (secret as { data?: Record<string, string> }).data;
  const encoded = data?.[VELERO_CREDENTIALS_KEY];
  if (typeof encoded !== "string") return null;
  return accessKeyIdOf(Buffer.from(encoded, "base64").toString("utf8")) ?? null;
}

export function credentialsSecret(fleet: FleetModel, key: AccessKey): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: VELERO_CREDENTIALS_SECRET,
      namespace: VELERO_NAMESPACE,
      labels: toolLabels(fleet, "velero"),
    },
    type: "Opaque",
    data: {
      [VELERO_CREDENTIALS_KEY]: Buffer.from(credentialsFile(key), "utf8").toString("base64"),
    },
  };
}
