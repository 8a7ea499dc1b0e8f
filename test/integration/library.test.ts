/**
 * The library as a user gets it: built with `npm run build`, packed with `npm pack`, unpacked
 * into a project's node_modules and imported by its name, in JavaScript and in TypeScript.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { REPO } from "../helpers.js";

const run = promisify(execFile);
let work: string;
let project: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "hubfleet-library-"));
  project = join(work, "project");
  await run("npm", ["run", "build"], { cwd: REPO });
  // --ignore-scripts: `prepare` would build a second time.
  await run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], {
    cwd: REPO,
  });
  const pkg = join(project, "node_modules", "hubfleet");
  await mkdir(pkg, { recursive: true });
  await run("tar", ["-xzf", join(work, "hubfleet-0.1.0.tgz"), "-C", pkg, "--strip-components=1"]);
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "user-project", private: true, type: "module" }),
  );
  // `npm install <tarball> --offline` needs registry metadata the npm cache does not keep,
  // so the package's dependencies are linked from this checkout instead: the package itself
  // (its files list, main, types) is exactly what npm pack produced.
  const manifest = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const dep of [...Object.keys(manifest.dependencies), "@types/node", "typescript"]) {
    const link = join(project, "node_modules", ...dep.split("/"));
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(REPO, "node_modules", ...dep.split("/")), link, "dir");
  }
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test("the packed package holds the built entry point, its types, the schema and the example", async () => {
  const { stdout } = await run("tar", ["-tzf", join(work, "hubfleet-0.1.0.tgz")]);
  for (const file of [
    "package/dist/index.js",
    "package/dist/index.d.ts",
    "package/bin/hubfleet.js",
    "package/schema/fleet.schema.json",
    "package/examples/fleet.yaml",
    // The instance-type table, read by validation at run time.
    "package/data/instance-types.json",
  ]) {
    assert.ok(stdout.split("\n").includes(file), `${file} is in the package`);
  }
});

const userScript = `
import { readFileSync } from "node:fs";
import { bundleFiles, FleetError, parseFleet, renderFleet } from "hubfleet";

const file = "node_modules/hubfleet/examples/fleet.yaml";
const { fleet, problems } = parseFleet(readFileSync(file, "utf8"), file);
if (!fleet) throw new FleetError(problems);
const bundle = renderFleet(fleet);
console.log(JSON.stringify({
  hubs: fleet.hubs.map((h) => h.name),
  files: bundleFiles(bundle).map((f) => f.path),
  bad: parseFleet("apiVersion: nope", "bad.yaml").problems.length,
}));
`;

test("a user's script imports hubfleet by name and renders the example fleet", async () => {
  await writeFile(join(project, "render.mjs"), userScript);
  const { stdout } = await run(process.execPath, ["render.mjs"], { cwd: project });
  const result = JSON.parse(stdout) as { hubs: string[]; files: string[]; bad: number };
  assert.deepEqual(result.hubs, ["stat101", "cs480", "genomics-lab"]);
  assert.ok(result.files.includes("hubs/stat101/values.yaml"), result.files.join(", "));
  assert.ok(result.files.includes("cluster/eksctl.yaml"));
  assert.ok(result.bad > 0, "an invalid fleet gives problems");
});

test("the package's types check a TypeScript user's code", async () => {
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
      },
      include: ["*.ts"],
    }),
  );
  await writeFile(
    join(project, "use.ts"),
    `import { type Bundle, bundleFiles, type FleetModel, loadFleet, renderFleet } from "hubfleet";
const result = await loadFleet("node_modules/hubfleet/examples/fleet.yaml");
const fleet: FleetModel | undefined = result.fleet;
const bundle: Bundle | undefined = fleet && renderFleet(fleet);
const names: string[] = fleet ? fleet.hubs.map((h) => h.name) : [];
console.log(bundle && bundleFiles(bundle).length, names);
`,
  );
  const tsc = join(project, "node_modules", "typescript", "bin", "tsc");
  await run(process.execPath, [tsc, "-p", "."], { cwd: project });
  // The same check must fail on a wrong use, or it proves nothing.
  await writeFile(
    join(project, "wrong.ts"),
    `import { renderFleet } from "hubfleet";\nrenderFleet("not a fleet");\n`,
  );
  await assert.rejects(run(process.execPath, [tsc, "-p", "."], { cwd: project }), (err) => {
    const out = (err as { stdout?: string }).stdout ?? "";
    assert.match(out, /wrong\.ts.*TS2345/);
    return true;
  });
});
