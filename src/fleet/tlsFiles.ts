/**
 * Checks on the TLS certificate and key a fleet names (domain.tls.certFile/keyFile), given
 * their contents: PEM, a matching pair, dates, and the hosts the hubs are served on.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { GRAFANA_ROUTE_NAME } from "../vocabulary/names.js";
import { error, warning } from "./findings.js";
import type { FleetModel } from "./model.js";
import type { Finding } from "./problems.js";

/** A certificate that expires sooner than this is reported, so it is renewed in time. */
export const EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;
const CERT_PATH = ["domain", "tls", "certFile"];
const KEY_PATH = ["domain", "tls", "keyFile"];

export interface TlsFiles {
  readonly certFile: string;
  readonly cert: Buffer;
  readonly keyFile: string;
  readonly key: Buffer;
}

export function checkTlsFiles(fleet: FleetModel, files: TlsFiles, now: Date): Finding[] {
  const cert = readCertificate(files);
  const key = readKey(files);
  const findings = [cert, key].flatMap((r) => ("problem" in r ? [r.problem] : []));
  if ("problem" in cert) return findings;
  if (!("problem" in key) && !matches(cert.value, key.value)) {
    findings.push(
      error(
        KEY_PATH,
        `the key in "${files.keyFile}" does not match the certificate in "${files.certFile}"`,
        "give the private key the certificate was issued for",
      ),
    );
  }
  return [...findings, ...checkDates(cert.value, now), ...checkHosts(fleet, cert.value)];
}

type Read<T> = { value: T } | { problem: Finding };

function readCertificate(files: TlsFiles): Read<X509Certificate> {
  const problem = error(
    CERT_PATH,
    `"${files.certFile}" is not a PEM certificate`,
    "give the certificate in PEM form (-----BEGIN CERTIFICATE-----), the server's certificate first, then its intermediates",
  );
  if (!files.cert.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) return { problem };
  try {
    return { value: new X509Certificate(files.cert) };
  } catch {
    return { problem };
  }
}

function readKey(files: TlsFiles): Read<KeyObject> {
  const text = files.key.toString("latin1");
  const problem = (message: string) =>
    error(
      KEY_PATH,
      message,
      "give the certificate's private key in PEM form (-----BEGIN PRIVATE KEY-----), not encrypted",
    );
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    return {
      problem: problem(
        `"${files.keyFile}" is encrypted; the ingress needs the key without a passphrase`,
      ),
    };
  }
  const notKey = { problem: problem(`"${files.keyFile}" is not a PEM private key`) };
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return notKey;
  try {
    return { value: createPrivateKey(files.key) };
  } catch {
    return notKey;
  }
}

function matches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}

function checkDates(cert: X509Certificate, now: Date): Finding[] {
  const notAfter = new Date(cert.validTo);
  const notBefore = new Date(cert.validFrom);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (notAfter.getTime() <= now.getTime()) {
    return [
      error(
        CERT_PATH,
        `the certificate expired on ${day(notAfter)}`,
        "renew it, or let cert-manager get certificates (tools.certManager)",
      ),
    ];
  }
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    return [
      warning(
        CERT_PATH,
        `the certificate expires on ${day(notAfter)}, in ${daysLeft} day(s)`,
        "renew it soon",
      ),
    ];
  }
  if (notBefore.getTime() > now.getTime()) {
    return [warning(CERT_PATH, `the certificate is not valid before ${day(notBefore)}`)];
  }
  return [];
}

/** Path routing needs the host; subdomain routing every hub's <hub>.<host> (and Grafana's). */
function checkHosts(fleet: FleetModel, cert: X509Certificate): Finding[] {
  const { host, routing } = fleet.domain;
  const { enabled, grafanaPath } = fleet.tools.monitoring;
  const names = [
    ...fleet.hubs.map((hub) => hub.name),
    ...(enabled && grafanaPath !== undefined ? [GRAFANA_ROUTE_NAME] : []),
  ];
  const hosts = routing === "path" ? [host] : names.map((name) => `${name}.${host}`);
  const uncovered = hosts.filter((h) => cert.checkHost(h) === undefined);
  if (uncovered.length === 0) return [];
  return [
    warning(
      CERT_PATH,
      `the certificate does not cover ${uncovered.join(", ")} (it names ${certificateNames(cert)})`,
      routing === "path"
        ? `use a certificate for ${host}`
        : `use a wildcard certificate for *.${host}, or one that names every hub's host`,
    ),
  ];
}

function certificateNames(cert: X509Certificate): string {
  const dns = (cert.subjectAltName ?? "")
    .split(", ")
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4));
  if (dns.length > 0) return dns.join(", ");
  const cn = /(?:^|\n)CN=(.*)/.exec(cert.subject)?.[1];
  return cn ?? "no host";
}
