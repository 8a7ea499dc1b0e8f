// Per-run PKI for the simulated control plane: a throwaway CA, the apiserver's serving
// certificate (127.0.0.1, localhost and the in-cluster names), the service-account signing
// key pair and random bearer tokens. Certificates via the `openssl` CLI (node:crypto cannot
// issue X.509 certificates); keys via node:crypto.
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface RunPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  saPublicKey: string;
  saPrivateKey: string;
  /**
   * The client certificate the apiserver's aggregator presents to extension API servers (CN
   * hubfleet-sim-front-proxy, the name --requestheader-allowed-names lets set X-Remote-User).
   */
  frontProxyCert: string;
  frontProxyKey: string;
  /** PEM of the CA certificate. */
  caPem: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync("openssl", args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/** The first usable address of an IPv4 CIDR (the `kubernetes` Service's ClusterIP). */
export function firstServiceIp(cidr: string): string {
  const [base, bitsText] = cidr.split("/");
  const parts = (base ?? "").split(".").map((p) => Number(p));
  const bits = Number(bitsText);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`service CIDR ${cidr}: only IPv4 CIDRs are supported`);
  }
  if (!Number.isInteger(bits) || bits < 1 || bits > 30) {
    throw new Error(`service CIDR ${cidr}: bad prefix length`);
  }
  const n = parts.reduce((acc, p) => acc * 256 + p, 0);
  const network = Math.floor(n / 2 ** (32 - bits)) * 2 ** (32 - bits);
  const first = network + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(first / 2 ** s) % 256).join(".");
}

export async function generatePki(dir: string, serviceCidr: string): Promise<RunPki> {
  const p = (name: string) => join(dir, name);
  const pki: RunPki = {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    servingCert: p("apiserver.crt"),
    servingKey: p("apiserver.key"),
    saPublicKey: p("sa.pub"),
    saPrivateKey: p("sa.key"),
    frontProxyCert: p("front-proxy-client.crt"),
    frontProxyKey: p("front-proxy-client.key"),
    caPem: "",
  };
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    pki.caKey,
    "-out",
    pki.caCert,
    "-days",
    "30",
    "-subj",
    "/CN=hubfleet-sim-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
  const csr = p("apiserver.csr");
  await openssl([
    "req",
    "-new",
    ...ecKey,
    "-keyout",
    pki.servingKey,
    "-out",
    csr,
    "-subj",
    "/CN=kube-apiserver",
  ]);
  const sans = [
    "IP:127.0.0.1",
    "DNS:localhost",
    `IP:${firstServiceIp(serviceCidr)}`,
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ];
  const ext = p("apiserver.ext");
  writeFileSync(
    ext,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${sans.join(",")}`,
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    pki.caCert,
    "-CAkey",
    pki.caKey,
    "-CAcreateserial",
    "-out",
    pki.servingCert,
    "-days",
    "30",
    "-extfile",
    ext,
  ]);
  const proxyCsr = p("front-proxy-client.csr");
  await openssl([
    "req",
    "-new",
    ...ecKey,
    "-keyout",
    pki.frontProxyKey,
    "-out",
    proxyCsr,
    "-subj",
    "/CN=hubfleet-sim-front-proxy",
  ]);
  const proxyExt = p("front-proxy-client.ext");
  writeFileSync(
    proxyExt,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=clientAuth",
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    proxyCsr,
    "-CA",
    pki.caCert,
    "-CAkey",
    pki.caKey,
    "-CAcreateserial",
    "-out",
    pki.frontProxyCert,
    "-days",
    "30",
    "-extfile",
    proxyExt,
  ]);
  const sa = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  writeFileSync(pki.saPublicKey, sa.publicKey);
  writeFileSync(pki.saPrivateKey, sa.privateKey, { mode: 0o600 });
  pki.caPem = readFileSync(pki.caCert, "utf8");
  return pki;
}

export function randomToken(): string {
  return randomBytes(24).toString("hex");
}
