// Which TCP/UDP sockets given processes listen on, read from /proc (Linux) so tests can
// assert that the simulated control plane binds 127.0.0.1 only. Same data as `ss -ltunp`.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface Listener {
  pid: number;
  protocol: "tcp" | "tcp6" | "udp" | "udp6";
  address: string;
  port: number;
}

function decodeAddress(hex: string, v6: boolean): string {
  if (!v6) {
    // little-endian 32-bit
    const b = Buffer.from(hex, "hex");
    return [b[3], b[2], b[1], b[0]].join(".");
  }
  // four little-endian 32-bit words
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = Buffer.from(hex.slice(i, i + 8), "hex")
      .reverse()
      .toString("hex");
    words.push(w.slice(0, 4), w.slice(4, 8));
  }
  return words.map((w) => w.replace(/^0+(?=.)/, "")).join(":");
}

function readTable(protocol: Listener["protocol"]): Map<string, { address: string; port: number }> {
  const out = new Map<string, { address: string; port: number }>();
  let text: string;
  try {
    text = readFileSync(`/proc/net/${protocol}`, "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const state = f[3];
    const inode = f[9];
    if (!local || !state || !inode) continue;
    // TCP: only LISTEN (0A). UDP: every bound socket (07 = unconnected) counts.
    if (protocol.startsWith("tcp") && state !== "0A") continue;
    if (protocol.startsWith("udp") && state !== "07") continue;
    const [addrHex, portHex] = local.split(":");
    if (!addrHex || !portHex) continue;
    out.set(inode, {
      address: decodeAddress(addrHex, protocol.endsWith("6")),
      port: Number.parseInt(portHex, 16),
    });
  }
  return out;
}

/** Listening TCP sockets and bound UDP sockets of the given processes. */
export function listenersOf(pids: number[]): Listener[] {
  const tables = (["tcp", "tcp6", "udp", "udp6"] as const).map((p) => [p, readTable(p)] as const);
  const result: Listener[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (!m?.[1]) continue;
      for (const [protocol, table] of tables) {
        const hit = table.get(m[1]);
        if (hit) result.push({ pid, protocol, ...hit });
      }
    }
  }
  return result;
}

export function isLoopbackOnly(l: Listener): boolean {
  return l.address === "127.0.0.1";
}
