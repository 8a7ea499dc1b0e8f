/**
 * Isolation as it holds on EKS: the verdict table. Every pod gets an address of its own, outside
 * the node range (VPC CNI custom networking, which the eksctl config renders when the fleet
 * names cluster.podCIDR) and inside it (the VPC CNI's default networking, where pods take
 * addresses of the nodes' subnets), and each connection is judged by np-guard's netpol-analyzer
 * one policy side at a time (test/netpolVerdicts.ts), over hubfleet's rendered policies plus the
 * egress half of z2jh's user-server policy (a named stand-in, test/netpolChartStandin.ts).
 *
 * Each row is judged against the policy-free control, which must allow it (else the verdict
 * would prove nothing). `expect` is per address model; "undecidable" rows are the ones the
 * analyzer cannot decide here, named and asserted as such, never taken for passes. The table is
 * printed with the test output.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Document } from "yaml";
import { cidrContains, parseCidr } from "../../src/vocabulary/addresses.js";
import { editedExample, fleetFrom } from "../helpers.js";
import {
  datasetServerPod,
  hubPods,
  netpolScene,
  OTHER_NS,
  outsider,
  type PodRef,
  parseIPv4,
  tools,
} from "../netpolAnalyzer.js";
import {
  ADDRESS_MODELS,
  type AddressModel,
  addressBook,
  control,
  type HalfScenes,
  judge,
  type Source,
  type Verdict,
  verdictText,
} from "../netpolVerdicts.js";

const NFS = 2049;
const DRIVE_METRICS = 9100;

type Expected = Verdict["kind"];
interface EksRow {
  readonly what: string;
  readonly src: Source;
  readonly dst: PodRef;
  readonly port: number;
  readonly expect: Readonly<Record<AddressModel["key"], Expected>>;
}

const pod = (ref: PodRef, egressInScene = true): Source => ({
  kind: "pod",
  pod: ref,
  egressInScene,
});
/** A user server: its egress is the z2jh chart's policy, here the named stand-in. */
const user = (ref: PodRef): Source => ({
  kind: "pod",
  pod: ref,
  egressInScene: true,
  egressFrom: "the z2jh chart's user-server policy from hubfleet's values (stand-in)",
});
const NODE: Source = { kind: "node" };
const both = (e: Expected) => ({ custom: e, default: e });

/**
 * a: a hub that lists census; b: another hub that lists it; c: a hub that does not.
 * `podRangeNamed`: the fleet names cluster.podCIDR, so hubfleet keeps that range out of user
 * servers' egress; custom networking set up without telling hubfleet leaves it open.
 */
function eksRows(a: string, b: string, c: string, podRangeNamed: boolean): EksRow[] {
  const A = hubPods(a);
  const B = hubPods(b);
  const C = hubPods(c);
  const census = datasetServerPod("census");
  const row = (
    what: string,
    src: Source,
    dst: PodRef,
    port: number,
    expect: EksRow["expect"],
  ): EksRow => ({ what, src, dst, port, expect });
  return [
    // User servers: kept off every NFS server by the servers' ingress where pods have their own
    // range, and by their own egress (z2jh, privateIPs: false) where they share the node range.
    row(`user server of ${a} → drive of ${b}, NFS`, user(A.user), B.drive, NFS, both("denied")),
    row(`user server of ${a} → its own drive, NFS`, user(A.user), A.drive, NFS, both("denied")),
    row(
      `user server of ${a} (lists census) → census, NFS`,
      user(A.user),
      census,
      NFS,
      both("denied"),
    ),
    row(`user server of ${c} (does not) → census, NFS`, user(C.user), census, NFS, both("denied")),
    // Pods no ingress policy guards (the cluster tools'): a user server's egress must keep off
    // the pods' range, which lies outside z2jh's private ranges with custom networking.
    row(`user server of ${a} → Prometheus, 9090`, user(A.user), tools.prometheus, 9090, {
      custom: podRangeNamed ? "denied" : "allowed",
      default: "denied",
    }),
    row(`user server of ${a} → a pod in ${OTHER_NS}, 80`, user(A.user), outsider, 80, {
      custom: podRangeNamed ? "denied" : "allowed",
      default: "denied",
    }),
    // Pods without an egress rule: only their own range keeps them out.
    row(`a pod in ${OTHER_NS} → drive of ${a}, NFS`, pod(outsider), A.drive, NFS, {
      custom: "denied",
      default: "allowed",
    }),
    row(`a pod in ${OTHER_NS} → census, NFS`, pod(outsider), census, NFS, {
      custom: "denied",
      default: "allowed",
    }),
    row(`Prometheus → drive of ${a}, NFS`, pod(tools.prometheus), A.drive, NFS, {
      custom: "denied",
      default: "allowed",
    }),
    // The chart's hub pod: its own egress policy is not in the scene.
    row(`hub of ${a} → drive of ${a}, NFS`, pod(A.hub, false), A.drive, NFS, {
      custom: "denied",
      default: "undecidable",
    }),
    row(`hub of ${b} → census, NFS`, pod(B.hub, false), census, NFS, {
      custom: "denied",
      default: "undecidable",
    }),
    // What must keep working.
    row(
      `Prometheus → drive of ${a}, metrics`,
      pod(tools.prometheus),
      A.drive,
      DRIVE_METRICS,
      both("allowed"),
    ),
    row(`node (kubelet) → drive of ${a}, NFS`, NODE, A.drive, NFS, both("allowed")),
    row(`node (kubelet) → drive of ${b}, NFS`, NODE, B.drive, NFS, both("allowed")),
    row("node (kubelet) → census, NFS", NODE, census, NFS, both("allowed")),
  ];
}

const EKS_VARIANTS: Array<[string, (doc: Document) => void]> = [
  ["the example", () => {}],
  [
    "another node range, no pod range named",
    (d) => {
      d.setIn(["cluster", "nodeCIDR"], "10.64.0.0/16");
      d.deleteIn(["cluster", "podCIDR"]);
      d.deleteIn(["cluster", "podSubnets"]);
    },
  ],
];

describe("EKS pod addresses: the verdict table, judged by np-guard's netpol-analyzer", () => {
  for (const [variant, edit] of EKS_VARIANTS) {
    describe(variant, () => {
      const fleet = fleetFrom(editedExample(edit));
      const [a = "", b = "", c = ""] = ["stat101", "cs480", "genomics-lab"];
      assert.deepEqual(
        fleet.datasets
          .find((d) => d.name === "census")
          ?.hubs.slice()
          .sort(),
        [a, b].sort(),
        "census is listed by a and b, not by c",
      );
      const rows = eksRows(a, b, c, fleet.cluster.podCIDR !== undefined);
      let scenes: HalfScenes | undefined;
      before(() => {
        scenes = {
          ingress: netpolScene(fleet, { policies: "ingress" }),
          egress: netpolScene(fleet, { policies: "egress" }),
          bare: netpolScene(fleet, { policies: "none" }),
        };
      });
      after(() => {
        for (const sc of Object.values(scenes ?? {})) sc.dispose();
      });
      const ready = (): HalfScenes => {
        assert.ok(scenes, "the scenes are written before the tests run");
        return scenes;
      };
      const verdicts = new Map<string, Verdict>();
      const verdictOf = (model: AddressModel, r: EksRow): Verdict => {
        const key = `${model.key}|${r.what}`;
        let v = verdicts.get(key);
        if (!v) {
          const s = ready();
          const book = addressBook(s.ingress, model.podRange(fleet), fleet.cluster.nodeCIDR);
          v = judge(s, book, r.src, r.dst, r.port);
          verdicts.set(key, v);
        }
        return v;
      };

      it("the two address models are what they say: pods outside / inside nodeCIDR", () => {
        const node = parseCidr(fleet.cluster.nodeCIDR);
        assert.ok(node);
        for (const model of ADDRESS_MODELS) {
          const book = addressBook(ready().ingress, model.podRange(fleet), fleet.cluster.nodeCIDR);
          const inside = [hubPods(a).user, tools.prometheus, outsider].map(
            (p) => parseIPv4(book.of(p)) ?? -1,
          );
          const expected = model.key === "default";
          for (const ip of inside) assert.equal(cidrContains(node, ip), expected, model.title);
          assert.ok(cidrContains(node, parseIPv4(book.node) ?? -1), "the node is in nodeCIDR");
        }
      });

      for (const model of ADDRESS_MODELS) {
        for (const r of rows) {
          const expected = r.expect[model.key];
          it(`[${model.key}] ${r.what}: ${expected}`, () => {
            const v = verdictOf(model, r);
            assert.equal(v.kind, expected, verdictText(v));
          });
        }
      }

      it("every row is allowed in the policy-free control (so each verdict is the policies' doing)", () => {
        const s = ready();
        const book = addressBook(
          s.bare,
          ADDRESS_MODELS[0]?.podRange(fleet) ?? "",
          fleet.cluster.nodeCIDR,
        );
        const notAllowed = rows.filter((r) => !control(s, book, r.src, r.dst, r.port));
        assert.deepEqual(
          notAllowed.map((r) => r.what),
          [],
        );
      });

      it("the rows the analyzer cannot decide are exactly the named ones", () => {
        const named = ADDRESS_MODELS.flatMap((m) =>
          rows.filter((r) => r.expect[m.key] === "undecidable").map((r) => `[${m.key}] ${r.what}`),
        );
        const reported = ADDRESS_MODELS.flatMap((m) =>
          rows
            .filter((r) => verdictOf(m, r).kind === "undecidable")
            .map((r) => `[${m.key}] ${r.what}`),
        );
        assert.deepEqual(reported, named);
        assert.ok(named.length > 0, "the table names its undecidable rows");
      });

      // Why addresses matter: the analyzer on its own never matches a pod against an ipBlock, so
      // it calls this connection denied; with the pod's address in the node range it is allowed.
      it("the analyzer alone (pods without addresses) misses what default networking allows", () => {
        const whole = netpolScene(fleet);
        try {
          const q = { src: outsider, dst: hubPods(a).drive, port: NFS };
          assert.equal(whole.evalConnection(q), false);
          const row = rows.find((r) => r.what === `a pod in ${OTHER_NS} → drive of ${a}, NFS`);
          const model = ADDRESS_MODELS.find((m) => m.key === "default");
          assert.ok(row && model, "the row and the model exist");
          assert.equal(verdictOf(model, row).kind, "allowed");
        } finally {
          whole.dispose();
        }
      });

      it("prints the table", () => {
        const { nodeCIDR, podCIDR = "not named" } = fleet.cluster;
        const lines = [`verdict table, ${variant} (nodeCIDR ${nodeCIDR}, podCIDR ${podCIDR}):`];
        for (const r of rows) {
          lines.push(`  ${r.what}`);
          for (const m of ADDRESS_MODELS) {
            const v = verdictOf(m, r);
            const ok = v.kind === r.expect[m.key] ? "as intended" : `EXPECTED ${r.expect[m.key]}`;
            lines.push(`    ${m.title.padEnd(44)} ${verdictText(v)} — ${ok}`);
          }
        }
        console.log(lines.join("\n"));
      });
    });
  }
});
