/**
 * The TLS certificate and key a fleet names, checked when the fleet file is loaded. The
 * certificates are made here with the openssl CLI in a temporary folder; no key is committed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadFleetFile } from "../../src/fleet/load.js";
import type { Problem } from "../../src/fleet/problems.js";
import { editedExample } from "../helpers.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const dir = mkdtempSync(join(tmpdir(), "hubfleet-tls-"));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

function newKey(name: string): void {
  openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name);
}

/** A self-signed certificate for `key`, valid `days` from now, naming `names`. */
function selfSigned(name: string, key: string, days: number, names: string[]): void {
  openssl(
    ...["req", "-x509", "-new", "-key", key, "-out", name, "-days", String(days)],
    ...["-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`)}`],
  );
}

before(() => {
  newKey("hub.key");
  newKey("other.key");
  selfSigned("hub.crt", "hub.key", 90, ["hubs.example.edu"]);
  selfSigned("wildcard.crt", "hub.key", 90, ["*.hubs.example.edu"]);
  selfSigned("soon.crt", "hub.key", 7, ["hubs.example.edu"]);
  selfSigned("elsewhere.crt", "hub.key", 90, ["hubs.example.org"]);
  // openssl 3.0 has no -not_after; a signing request signed with -days -1 ends yesterday.
  openssl("req", "-new", "-key", "hub.key", "-subj", "/CN=hubs.example.edu", "-out", "hub.csr");
  openssl("x509", "-req", "-in", "hub.csr", "-key", "hub.key", "-days", "-1", "-out", "old.crt");
  openssl("x509", "-in", "hub.crt", "-outform", "DER", "-out", "hub.der");
  openssl("pkey", "-in", "hub.key", "-aes256", "-passout", "pass:secret", "-out", "locked.key");
  writeFileSync(file("notes.txt"), "not a certificate\n");
});

after(() => rmSync(dir, { recursive: true, force: true }));

let fleets = 0;
async function load(
  cert: string,
  key: string,
  options: { routing?: "path" | "subdomain"; now?: Date } = {},
) {
  const name = `fleet-${fleets++}.yaml`;
  const text = editedExample((doc) => {
    doc.setIn(["domain", "tls"], doc.createNode({ certFile: cert, keyFile: key }));
    if (options.routing) doc.setIn(["domain", "routing"], options.routing);
  });
  writeFileSync(file(name), text);
  const result = await loadFleetFile(file(name), options.now ? { now: options.now } : {});
  const tls = result.problems.filter((p) => p.path.startsWith("domain.tls"));
  return { result, tls, text };
}

const show = (problems: readonly Problem[]) =>
  problems.map((p) => `  ${p.severity} ${p.path}: ${p.message}`).join("\n") || "  (none)";

interface Case {
  readonly name: string;
  readonly cert: string;
  readonly key: string;
  readonly routing?: "path" | "subdomain";
  readonly daysFromNow?: number;
  readonly path: string;
  readonly severity: Problem["severity"];
  readonly message: RegExp;
}

const CASES: Case[] = [
  {
    name: "a text file as certificate",
    cert: "notes.txt",
    key: "hub.key",
    path: "domain.tls.certFile",
    severity: "error",
    message: /"notes\.txt" is not a PEM certificate/,
  },
  {
    name: "a DER certificate",
    cert: "hub.der",
    key: "hub.key",
    path: "domain.tls.certFile",
    severity: "error",
    message: /"hub\.der" is not a PEM certificate/,
  },
  {
    name: "a certificate as key",
    cert: "hub.crt",
    key: "hub.crt",
    path: "domain.tls.keyFile",
    severity: "error",
    message: /"hub\.crt" is not a PEM private key/,
  },
  {
    name: "an encrypted key",
    cert: "hub.crt",
    key: "locked.key",
    path: "domain.tls.keyFile",
    severity: "error",
    message: /"locked\.key" is encrypted/,
  },
  {
    name: "a key of another certificate",
    cert: "hub.crt",
    key: "other.key",
    path: "domain.tls.keyFile",
    severity: "error",
    message: /the key in "other\.key" does not match the certificate in "hub\.crt"/,
  },
  {
    name: "an expired certificate",
    cert: "old.crt",
    key: "hub.key",
    path: "domain.tls.certFile",
    severity: "error",
    message: /the certificate expired on \d{4}-\d\d-\d\d/,
  },
  {
    name: "a certificate that expires within 14 days",
    cert: "soon.crt",
    key: "hub.key",
    path: "domain.tls.certFile",
    severity: "warning",
    message: /expires on \d{4}-\d\d-\d\d, in [67] day\(s\)/,
  },
  {
    name: "a certificate past its end on the given date",
    cert: "hub.crt",
    key: "hub.key",
    daysFromNow: 91,
    path: "domain.tls.certFile",
    severity: "error",
    message: /expired on/,
  },
  {
    name: "a certificate 13 days from its end on the given date",
    cert: "hub.crt",
    key: "hub.key",
    daysFromNow: 77,
    path: "domain.tls.certFile",
    severity: "warning",
    message: /in 12 day\(s\)/,
  },
  {
    name: "a certificate for another host",
    cert: "elsewhere.crt",
    key: "hub.key",
    path: "domain.tls.certFile",
    severity: "warning",
    message: /does not cover hubs\.example\.edu \(it names hubs\.example\.org\)/,
  },
  {
    name: "the host's certificate with subdomain routing",
    cert: "hub.crt",
    key: "hub.key",
    routing: "subdomain",
    path: "domain.tls.certFile",
    severity: "warning",
    message:
      /does not cover stat101\.hubs\.example\.edu, cs480\.hubs\.example\.edu, genomics-lab\.hubs\.example\.edu, grafana\.hubs\.example\.edu \(it names hubs\.example\.edu\)/,
  },
  {
    name: "a wildcard certificate with path routing",
    cert: "wildcard.crt",
    key: "hub.key",
    path: "domain.tls.certFile",
    severity: "warning",
    message: /does not cover hubs\.example\.edu \(it names \*\.hubs\.example\.edu\)/,
  },
];

describe("TLS files named by the fleet", () => {
  for (const c of CASES) {
    it(`reports ${c.name}`, async () => {
      const now = c.daysFromNow ? new Date(Date.now() + c.daysFromNow * DAY_MS) : undefined;
      const { tls, text } = await load(c.cert, c.key, {
        ...(c.routing ? { routing: c.routing } : {}),
        ...(now ? { now } : {}),
      });
      const match = tls.find((p) => p.path === c.path && c.message.test(p.message));
      assert.ok(match, `expected ${c.path} matching ${c.message}; got:\n${show(tls)}`);
      assert.equal(match.severity, c.severity);
      const field = c.path.split(".").at(-1);
      const line = text.split("\n")[match.line - 1] ?? "";
      assert.match(line, new RegExp(`${field}: `), `line ${match.line} is "${line}"`);
    });
  }

  const clean: Array<[string, string, "path" | "subdomain"]> = [
    ["a matching certificate for the host", "hub.crt", "path"],
    ["a wildcard certificate with subdomain routing", "wildcard.crt", "subdomain"],
  ];
  for (const [name, cert, routing] of clean) {
    it(`accepts ${name}`, async () => {
      const { result, tls } = await load(cert, "hub.key", { routing });
      assert.deepEqual(tls, [], show(tls));
      assert.ok(result.fleet, "a fleet without errors gives a model");
    });
  }

  it("reports a missing file and checks nothing else", async () => {
    const { tls } = await load("nope.crt", "other.key");
    assert.deepEqual(
      tls.map((p) => `${p.path}: ${p.message}`),
      ['domain.tls.certFile: file "nope.crt" cannot be read'],
    );
  });

  it("made the expired certificate it tests with", () => {
    const dates = execFileSync("openssl", ["x509", "-in", file("old.crt"), "-noout", "-enddate"]);
    const end = new Date(dates.toString().replace("notAfter=", "").trim());
    assert.ok(end.getTime() < Date.now(), `old.crt ends ${end.toISOString()}`);
    assert.match(readFileSync(file("hub.key"), "utf8"), /BEGIN PRIVATE KEY/);
  });
});
