/** Where secret values show up: each value, as is and base64-encoded, searched in named texts. */

export interface Leak {
  readonly source: string;
  readonly hub: string;
  readonly key: string;
}

export interface Text {
  readonly source: string;
  readonly text: string;
}

export function findLeaks(
  secrets: ReadonlyMap<string, Readonly<Record<string, string>>>,
  texts: readonly Text[],
): Leak[] {
  const leaks: Leak[] = [];
  for (const [hub, values] of secrets) {
    for (const [key, value] of Object.entries(values)) {
      // Short values would match by chance; generated secrets are 64 hex characters.
      if (value.length < 16) continue;
      const forms = [value, Buffer.from(value).toString("base64")];
      for (const { source, text } of texts) {
        if (forms.some((f) => text.includes(f))) leaks.push({ source, hub, key });
      }
    }
  }
  return leaks;
}

/** Hubs and keys whose value differs between two readings (or is missing from either). */
export function changedSecrets(
  before: ReadonlyMap<string, Readonly<Record<string, string>>>,
  after: ReadonlyMap<string, Readonly<Record<string, string>>>,
): string[] {
  const changed: string[] = [];
  for (const [hub, values] of before) {
    const now = after.get(hub) ?? {};
    const keys = new Set([...Object.keys(values), ...Object.keys(now)]);
    for (const key of keys) if (values[key] !== now[key]) changed.push(`${hub}/${key}`);
  }
  return changed;
}
