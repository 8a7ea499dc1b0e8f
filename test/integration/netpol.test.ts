/**
 * Hub isolation as the rendered NetworkPolicies express it, judged by a real policy analyzer
 * (np-guard's netpol-analyzer, see test/netpolAnalyzer.ts) rather than by our own reading of
 * them: nothing of one hub reaches another hub, the drive speaks NFS only to the nodes'
 * kubelets, cluster-tools (ingress controller, Prometheus) reaches the hubs, and a shared data
 * set's server takes NFS from the kubelets only — no pod, not even a user server of a hub that
 * lists it — and reaches no hub.
 *
 * What is judged is hubfleet's policies, plus a named stand-in for the egress half of the z2jh
 * chart's user-server policy (test/netpolChartStandin.ts), over stand-in pods for the chart's.
 * The chart's other policies are not rendered here: NetworkPolicies add up, so they could only
 * turn a "denied" of a chart pod's peer into "allowed" — never one decided by the ingress of
 * hubfleet's own servers, which no chart policy selects.
 *
 * Here pods are judged as the analyzer sees them, without addresses. netpol-eks.test.ts gives
 * every pod an address inside and outside the node range, as the VPC CNI does on EKS.
 *
 * Every verdict can fail: "denied" cases are re-asked of the same scene without hubfleet's
 * policies, where they must come back "allowed"; "allowed" cases sit next to denied ones for the
 * same destinations; and one connection no policy touches must be allowed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Document } from "yaml";
import type { FleetModel } from "../../src/fleet/model.js";
import { editedExample, fleetFrom } from "../helpers.js";
import {
  connAllows,
  datasetServerPod,
  HUB_PORT,
  hubPods,
  ipRanges,
  type NetpolScene,
  netpolScene,
  OTHER_NS,
  outsider,
  type PodRef,
  PROXY_API_PORT,
  PROXY_HTTP_PORT,
  parseIPv4,
  peerPod,
  refString,
  SINGLEUSER_PORT,
  TOOLS_NS,
  tools,
} from "../netpolAnalyzer.js";

const NFS = 2049;
const DRIVE_METRICS = 9100;

const VARIANTS: Array<[string, (doc: Document) => void]> = [
  ["the example", () => {}],
  ["subdomain routing", (d) => d.setIn(["domain", "routing"], "subdomain")],
  ["another node range", (d) => d.setIn(["cluster", "nodeCIDR"], "10.64.0.0/16")],
];

interface Case {
  readonly what: string;
  readonly src: PodRef;
  readonly dst: PodRef;
  readonly port: number;
  readonly allowed: boolean;
}

const ALLOWED = true;
const DENIED = false;

/** The intent, for hub A and another hub B. */
function cases(a: string, b: string): Case[] {
  const A = hubPods(a);
  const B = hubPods(b);
  const { prometheus, traefik } = tools;
  const rows: Array<[string, PodRef, PodRef, number, boolean]> = [
    [`user server of ${a} → drive of ${b}, NFS`, A.user, B.drive, NFS, DENIED],
    [`user server of ${a} → hub of ${b}`, A.user, B.hub, HUB_PORT, DENIED],
    [`user server of ${a} → user server of ${b}`, A.user, B.user, SINGLEUSER_PORT, DENIED],
    [`user server of ${a} → proxy of ${b}`, A.user, B.proxy, PROXY_HTTP_PORT, DENIED],
    [`hub of ${a} → hub of ${b}`, A.hub, B.hub, HUB_PORT, DENIED],
    // The drive's own users never mount it: their node's kubelet does (see the ipBlock tests).
    [`user server of ${a} → its own drive, NFS`, A.user, A.drive, NFS, DENIED],
    [`Prometheus → hub of ${a}`, prometheus, A.hub, HUB_PORT, ALLOWED],
    [`Prometheus → drive of ${a}, metrics`, prometheus, A.drive, DRIVE_METRICS, ALLOWED],
    [`Prometheus → drive of ${a}, NFS`, prometheus, A.drive, NFS, DENIED],
    [`ingress controller → proxy of ${a}`, traefik, A.proxy, PROXY_HTTP_PORT, ALLOWED],
    [`proxy of ${a} → a user server of ${a}`, A.proxy, A.user, SINGLEUSER_PORT, ALLOWED],
    [`hub of ${a} → a user server of ${a}`, A.hub, A.user, SINGLEUSER_PORT, ALLOWED],
    [`user server of ${a} → hub of ${a}`, A.user, A.hub, HUB_PORT, ALLOWED],
    [`a pod in ${OTHER_NS} → hub of ${a}`, outsider, A.hub, HUB_PORT, DENIED],
    [`a pod in ${OTHER_NS} → drive of ${a}, NFS`, outsider, A.drive, NFS, DENIED],
  ];
  return rows.map(([what, src, dst, port, allowed]) => ({ what, src, dst, port, allowed }));
}

function ipString(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** [first, last] address of a CIDR. */
function cidrRange(cidr: string): [number, number] {
  const [addr = "", prefix] = cidr.split("/");
  const base = parseIPv4(addr);
  assert.ok(base !== undefined, `bad CIDR ${cidr}`);
  return [base, base + 2 ** (32 - Number(prefix)) - 1];
}

const isHub = (fleet: FleetModel, ns: string) => fleet.hubs.some((h) => h.name === ns);

interface Scenes {
  readonly scene: () => NetpolScene;
  /** The same cluster without hubfleet's NetworkPolicies: the control for every denial. */
  readonly bare: () => NetpolScene;
}

/** The fleet's scene and its policy-free control, written before the suite and removed after. */
function scenesOf(fleet: FleetModel): Scenes {
  let scene: NetpolScene | undefined;
  let bare: NetpolScene | undefined;
  before(() => {
    scene = netpolScene(fleet);
    bare = netpolScene(fleet, { withoutPolicies: true });
  });
  after(() => {
    scene?.dispose();
    bare?.dispose();
  });
  const ready = (s: NetpolScene | undefined) => {
    assert.ok(s, "the scene is written before the tests run");
    return s;
  };
  return { scene: () => ready(scene), bare: () => ready(bare) };
}

/** One test per row of the table, and the control: each denial is the policies' doing. */
function verdictTests(table: readonly Case[], { scene, bare }: Scenes): void {
  for (const c of table) {
    it(`${c.what}: ${c.allowed ? "allowed" : "denied"}`, () => {
      assert.equal(scene().evalConnection(c), c.allowed);
    });
  }
  it("each denied connection is allowed without hubfleet's policies (the denials are theirs)", () => {
    const denied = table.filter((c) => !c.allowed);
    assert.ok(denied.length > 0);
    const stillDenied = denied.filter((c) => !bare().evalConnection(c)).map((c) => c.what);
    assert.deepEqual(stillDenied, []);
  });
}

describe("NetworkPolicies, judged by np-guard's netpol-analyzer", () => {
  for (const [variant, edit] of VARIANTS) {
    describe(variant, () => {
      const fleet = fleetFrom(editedExample(edit));
      const [a = "", b = ""] = fleet.hubs.map((h) => h.name);
      const table = cases(a, b);
      const { scene, bare } = scenesOf(fleet);

      it("the analyzer sees every pod, and allows what no policy restricts", () => {
        const seen = new Set(
          scene()
            .connectivityList()
            .flatMap((c) => [peerPod(c.src), peerPod(c.dst)])
            .filter((p) => p !== undefined)
            .map(refString),
        );
        const pods = scene()
          .objects.filter((o) => o.kind === "Pod")
          .map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
        assert.ok(
          pods.includes(refString(hubPods(a).drive)),
          "the drive pod comes from the render",
        );
        assert.deepEqual(
          pods.filter((p) => !seen.has(p)),
          [],
        );
        // cluster-tools has no NetworkPolicy: its pods reach each other.
        assert.equal(
          scene().evalConnection({ src: tools.prometheus, dst: tools.traefik, port: 8000 }),
          true,
        );
      });

      verdictTests(table, { scene, bare });

      // The drive's NFS rule admits an ipBlock (cluster.nodeCIDR). The analyzer never matches a
      // pod against an ipBlock (it treats ipBlocks as addresses outside the cluster's pods), and
      // its `eval --source-ip` is unusable in v1.4.4, so these read the connectivity list. Pods
      // whose own address lies inside nodeCIDR (the VPC CNI's default networking) are judged in
      // netpol-eks.test.ts.
      it("an address inside nodeCIDR (a kubelet) reaches each drive on NFS, and only that", () => {
        const [first, last] = cidrRange(fleet.cluster.nodeCIDR);
        const node = ipString(first + 10);
        const outside = ipString(last + 1 < 2 ** 32 ? last + 1 : first - 1);
        for (const hub of fleet.hubs) {
          const p = hubPods(hub.name);
          assert.equal(
            scene().evalFromIP({ srcIP: node, dst: p.drive, port: NFS }),
            true,
            hub.name,
          );
          assert.equal(
            scene().evalFromIP({ srcIP: node, dst: p.drive, port: DRIVE_METRICS }),
            false,
          );
          assert.equal(scene().evalFromIP({ srcIP: outside, dst: p.drive, port: NFS }), false);
          assert.equal(scene().evalFromIP({ srcIP: node, dst: p.hub, port: HUB_PORT }), false);
          // Control: without the policies the outside address does reach the drive.
          assert.equal(bare().evalFromIP({ srcIP: outside, dst: p.drive, port: NFS }), true);
        }
      });

      it("no pod of one hub reaches any pod of another hub (all pairs, all ports)", () => {
        const crossHub = (s: NetpolScene) =>
          s.connectivityList().filter((c) => {
            const from = peerPod(c.src);
            const to = peerPod(c.dst);
            return (
              from !== undefined &&
              to !== undefined &&
              isHub(fleet, from.namespace) &&
              isHub(fleet, to.namespace) &&
              from.namespace !== to.namespace
            );
          });
        assert.deepEqual(crossHub(scene()), []);
        assert.ok(crossHub(bare()).length > 0, "the control has cross-hub connections");
      });

      it("drives take NFS only from nodeCIDR and metrics only from cluster-tools", () => {
        const [first, last] = cidrRange(fleet.cluster.nodeCIDR);
        const problems: string[] = [];
        const nfsFromNodes = new Set<string>();
        for (const c of scene().connectivityList()) {
          const to = peerPod(c.dst);
          if (to?.name !== "drive-0" || !isHub(fleet, to.namespace)) continue;
          const from = peerPod(c.src);
          const line = `${c.src} => ${c.dst} : ${c.conn}`;
          if (from) {
            const ok =
              from.namespace === TOOLS_NS &&
              connAllows(c.conn, "TCP", DRIVE_METRICS) &&
              !connAllows(c.conn, "TCP", NFS);
            if (!ok) problems.push(line);
          } else {
            const inside = ipRanges(c.src).every(([lo, hi]) => lo >= first && hi <= last);
            if (!inside || c.conn !== `TCP ${NFS}`) problems.push(line);
            else nfsFromNodes.add(to.namespace);
          }
        }
        assert.deepEqual(problems, []);
        assert.deepEqual([...nfsFromNodes].sort(), fleet.hubs.map((h) => h.name).sort());
      });

      // Inside a hub, each component admits only the peers it needs.
      if (variant !== VARIANTS[0]?.[0]) return;
      const A = hubPods(a);
      it("a user server does not reach another user's server of the same hub", () => {
        assert.equal(
          scene().evalConnection({ src: A.user, dst: A.otherUser, port: SINGLEUSER_PORT }),
          false,
        );
      });
      it("a user server does not reach the proxy's API", () => {
        assert.equal(
          scene().evalConnection({ src: A.user, dst: A.proxy, port: PROXY_API_PORT }),
          false,
        );
      });
      it("the ingress controller does not reach user servers directly", () => {
        assert.equal(
          scene().evalConnection({ src: tools.traefik, dst: A.user, port: SINGLEUSER_PORT }),
          false,
        );
      });
    });
  }
});

/**
 * Shared data sets. Each variant says which hubs list the data set "census"; every hub not
 * listed is the "other hub". The table is the intent for a listed hub A and an unlisted hub B.
 */
const DATASET_VARIANTS: Array<[string, (doc: Document) => void, string[]]> = [
  ["the example: census for stat101 and cs480", () => {}, ["stat101", "cs480"]],
  [
    "census for genomics-lab only",
    (d) => {
      d.setIn(["hubs", 0, "datasets"], d.createNode([]));
      d.setIn(["hubs", 1, "datasets"], d.createNode([]));
      d.setIn(["hubs", 2, "datasets"], d.createNode(["census"]));
    },
    ["genomics-lab"],
  ],
];

function datasetCases(a: string, b: string): Case[] {
  const A = hubPods(a);
  const B = hubPods(b);
  const census = datasetServerPod("census");
  const rows: Array<[string, PodRef, PodRef, number, boolean]> = [
    // Kubelet mounts the data set from the node: its readers need no path to the server.
    [`user server of ${a} (listed) → census server, NFS`, A.user, census, NFS, DENIED],
    [`another user server of ${a} → census server, NFS`, A.otherUser, census, NFS, DENIED],
    [`user server of ${b} (not listed) → census server, NFS`, B.user, census, NFS, DENIED],
    [`user server of ${a} → census server, another port`, A.user, census, 111, DENIED],
    [`hub of ${a} → census server, NFS (user servers only)`, A.hub, census, NFS, DENIED],
    [`proxy of ${a} → census server, NFS`, A.proxy, census, NFS, DENIED],
    [`Prometheus → census server, NFS`, tools.prometheus, census, NFS, DENIED],
    [`a pod in ${OTHER_NS} → census server, NFS`, outsider, census, NFS, DENIED],
    // Reaching a data set opens nothing else: never another hub's drive, nor its own.
    [`user server of ${a} → drive of ${b}, NFS`, A.user, B.drive, NFS, DENIED],
    [`user server of ${a} → its own drive, NFS`, A.user, A.drive, NFS, DENIED],
    // The server itself reaches no hub and nothing else (DNS in kube-system only).
    [`census server → hub of ${a}`, census, A.hub, HUB_PORT, DENIED],
    [`census server → user server of ${a}`, census, A.user, SINGLEUSER_PORT, DENIED],
    [`census server → drive of ${a}, NFS`, census, A.drive, NFS, DENIED],
    [`census server → a pod in ${OTHER_NS}`, census, outsider, 80, DENIED],
  ];
  return rows.map(([what, src, dst, port, allowed]) => ({ what, src, dst, port, allowed }));
}

describe("shared data sets, judged by np-guard's netpol-analyzer", () => {
  for (const [variant, edit, readers] of DATASET_VARIANTS) {
    describe(variant, () => {
      const fleet = fleetFrom(editedExample(edit));
      const hubs = fleet.hubs.map((h) => h.name);
      const others = hubs.filter((h) => !readers.includes(h));
      const [a = "", b = ""] = [readers[0], others[0]];
      const table = datasetCases(a, b);
      const census = datasetServerPod("census");
      const { scene, bare } = scenesOf(fleet);

      it("the census server's pod comes from the render", () => {
        assert.ok(
          scene().objects.some(
            (o) =>
              o.kind === "Pod" &&
              o.metadata.namespace === census.namespace &&
              o.metadata.name === census.name,
          ),
        );
      });

      verdictTests(table, { scene, bare });

      it("NFS to the server: from no pod at all, listed hubs' user servers included", () => {
        const to = `${refString(census)}[Pod]`;
        const nfsFrom = (sc: NetpolScene) =>
          sc
            .connectivityList()
            .filter((c) => c.dst === to && connAllows(c.conn, "TCP", NFS))
            .map((c) => peerPod(c.src))
            .filter((p) => p !== undefined)
            .map(refString)
            .sort();
        assert.deepEqual(nfsFrom(scene()), []);
        const listedUsers = readers.flatMap((h) => [hubPods(h).user, hubPods(h).otherUser]);
        assert.ok(
          listedUsers.every((u) => nfsFrom(bare()).includes(refString(u))),
          "the control reaches it from the listed hubs' user servers",
        );
      });

      it("NFS from the node range (kubelets), and nothing else from outside the pods", () => {
        const [first, last] = cidrRange(fleet.cluster.nodeCIDR);
        const node = ipString(first + 10);
        const outside = ipString(last + 1);
        assert.equal(scene().evalFromIP({ srcIP: node, dst: census, port: NFS }), true);
        assert.equal(scene().evalFromIP({ srcIP: node, dst: census, port: 111 }), false);
        assert.equal(scene().evalFromIP({ srcIP: outside, dst: census, port: NFS }), false);
        assert.equal(bare().evalFromIP({ srcIP: outside, dst: census, port: NFS }), true);
      });
    });
  }
});
