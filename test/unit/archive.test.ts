/**
 * The pure parts of archive and restore: s3:// addresses, keys, the manifest's strict reading,
 * the checksums S3 keeps (whole and multipart), the tar index, and the archiver pod with the
 * commands it runs (run here with the machine's own GNU tar and sh, their /drive paths pointed
 * at a temporary folder: the same programs as in the pod's Debian image).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, it } from "node:test";
import { pack } from "tar-stream";
import {
  ARCHIVER_POD,
  archiverCommands,
  archiverPod,
  DRIVE_MOUNT,
} from "../../src/archive/archiverPod.js";
import { matchingChecksum, ObjectDigest } from "../../src/archive/digest.js";
import {
  hubArchivesPrefix,
  keyIn,
  parseS3Url,
  partName,
  s3Url,
  utcStamp,
} from "../../src/archive/layout.js";
import {
  MANIFEST_FORMAT,
  type Manifest,
  manifestJson,
  parseManifest,
} from "../../src/archive/manifest.js";
import { TarIndex } from "../../src/archive/tarIndex.js";
import { bufferIo } from "../../src/cli/io.js";
import { progressBar, transferProgress } from "../../src/cli/progress.js";
import { UsageError } from "../../src/errors.js";
import { EXAMPLE, REPO, runCli } from "../helpers.js";

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

describe("archive: s3:// addresses and keys", () => {
  const good: Array<[string, string, string]> = [
    ["s3://my-archives", "my-archives", ""],
    ["s3://my-archives/", "my-archives", ""],
    ["s3://my-archives/stat101/2026-fall/", "my-archives", "stat101/2026-fall"],
    ["s3://a.b-c/x", "a.b-c", "x"],
  ];
  for (const [url, bucket, prefix] of good) {
    it(`reads ${url}`, () => assert.deepEqual(parseS3Url("--to", url), { bucket, prefix }));
  }
  const bad: Array<[string, RegExp]> = [
    ["my-archives/x", /not an s3:\/\/ address/],
    ["https://my-archives.s3.amazonaws.com/x", /not an s3:\/\/ address/],
    ["s3://", /"" is not a valid S3 bucket name/],
    ["s3://My_Bucket/x", /"My_Bucket" is not a valid S3 bucket name/],
    ["s3://ab/x", /"ab" is not a valid/],
    ["s3://bucket/a//b", /empty, "\." or "\.\." part/],
    ["s3://bucket/a/../b", /empty, "\." or "\.\." part/],
  ];
  for (const [url, message] of bad) {
    it(`refuses ${url} with the flag and a hint`, () =>
      assert.throws(
        () => parseS3Url("--to", url),
        (err: Error) => err instanceof UsageError && message.test(err.message) && !!err.hint,
      ));
  }

  it("names objects and folders", () => {
    const l = { bucket: "b", prefix: "fleet/archives/stat101/20261205T153700Z" };
    assert.equal(partName({ kind: "home", user: "alice" }), "users/alice.tar.zst");
    assert.equal(partName({ kind: "shared" }), "shared.tar.zst");
    assert.equal(partName({ kind: "database" }), "hub-db.tar.zst");
    assert.equal(keyIn(l, "manifest.json"), `${l.prefix}/manifest.json`);
    assert.equal(keyIn({ bucket: "b", prefix: "" }, "manifest.json"), "manifest.json");
    assert.equal(s3Url(l), `s3://b/${l.prefix}`);
    assert.equal(utcStamp(new Date("2026-12-05T15:37:00.123Z")), "20261205T153700Z");
    assert.equal(hubArchivesPrefix("uni", "stat101"), "uni/archives/stat101");
    assert.equal(hubArchivesPrefix("", "stat101"), "archives/stat101");
  });
});

describe("archive: the manifest", () => {
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    hub: "stat101",
    fleet: "uni",
    createdAt: "2026-12-05T15:37:00.000Z",
    chartVersion: "4.4.0",
    compression: "zstd",
    partSizeBytes: 5 * 1024 * 1024,
    objects: [
      {
        key: "users/alice.tar.zst",
        part: { kind: "home", user: "alice" },
        uncompressedBytes: 10240,
        objectBytes: 300,
        fileCount: 1,
        sha256: sha("object"),
        s3Checksum: "abc=",
        files: [{ path: "notebook.ipynb", bytes: 5, sha256: sha("hello") }],
      },
    ],
  };

  it("reads back what it wrote, byte for byte", () => {
    const text = manifestJson(manifest);
    assert.deepEqual(parseManifest("s3://b/m", text), manifest);
    assert.equal(manifestJson(parseManifest("s3://b/m", text)), text);
  });

  const broken: Array<[string, string, RegExp]> = [
    ["not JSON", "{", /s3:\/\/b\/m is not JSON/],
    ["another format", JSON.stringify({ ...manifest, format: "other/1" }), /format:/],
    [
      "a bad sha256",
      JSON.stringify({ ...manifest, objects: [{ ...manifest.objects[0], sha256: "xyz" }] }),
      /objects\.0\.sha256: a sha256 as 64 hex digits/,
    ],
    [
      "a key that is not its part's",
      JSON.stringify({
        ...manifest,
        objects: [{ ...manifest.objects[0], key: "users/bob.tar.zst" }],
      }),
      /does not match its part \(expected users\/alice\.tar\.zst\)/,
    ],
    [
      "a user name that is a path",
      JSON.stringify({
        ...manifest,
        objects: [{ ...manifest.objects[0], part: { kind: "home", user: "../etc" } }],
      }),
      /objects\.0\.part\.user/,
    ],
    [
      "an unknown field",
      JSON.stringify({ ...manifest, extra: 1 }),
      /not a hubfleet archive manifest/,
    ],
  ];
  for (const [what, text, message] of broken) {
    it(`refuses ${what}, saying where`, () =>
      assert.throws(
        () => parseManifest("s3://b/m", text),
        (err: Error) => err instanceof UsageError && message.test(err.message),
      ));
  }
});

describe("archive: checksums as S3 keeps them", () => {
  const data = Buffer.from("0123456789abcdefghij"); // 20 bytes

  async function digestOf(partSize: number, chunks: Buffer[]) {
    const d = new ObjectDigest(partSize);
    await pipeline(Readable.from(chunks), d, new PassThrough().resume());
    return { bytes: d.bytes, ...d.result() };
  }

  it("a whole object: its sha256, hex and base64", async () => {
    const r = await digestOf(64, [data]);
    assert.equal(r.sha256, sha(data));
    assert.equal(r.fullChecksum, Buffer.from(sha(data), "hex").toString("base64"));
    assert.equal(r.bytes, 20);
  });

  it("multipart: the sha256 of the parts' sha256s, whatever the chunking", async () => {
    // Parts of 8 bytes: 8 + 8 + 4, computed by hand.
    const parts = [data.subarray(0, 8), data.subarray(8, 16), data.subarray(16)];
    const digests = parts.map((p) => createHash("sha256").update(p).digest());
    const expected = `${createHash("sha256").update(Buffer.concat(digests)).digest("base64")}-3`;
    for (const chunks of [[data], [data.subarray(0, 3), data.subarray(3, 17), data.subarray(17)]]) {
      assert.equal((await digestOf(8, chunks)).compositeChecksum, expected);
    }
  });

  it("accepts what S3 (or a stand-in without the -N) reports for it, and nothing else", async () => {
    const r = await digestOf(8, [data]);
    const bare = r.compositeChecksum.replace(/-3$/, "");
    assert.equal(matchingChecksum(r.fullChecksum, r), r.fullChecksum);
    assert.equal(matchingChecksum(r.compositeChecksum, r), r.compositeChecksum);
    assert.equal(matchingChecksum(bare, r), bare);
    assert.equal(matchingChecksum(`${bare}-2`, r), undefined);
    assert.equal(matchingChecksum(undefined, r), undefined);
    assert.equal(matchingChecksum(Buffer.alloc(32).toString("base64"), r), undefined);
  });
});

describe("archive: the tar index", () => {
  it("lists each file of a tar with its size and sha256 and passes the bytes on unchanged", async () => {
    const tar = pack();
    tar.entry({ name: "./", type: "directory" });
    tar.entry({ name: "./a.txt" }, "hello");
    tar.entry({ name: "./dir/", type: "directory" });
    tar.entry({ name: "./dir/b.bin" }, Buffer.alloc(3000, 9));
    tar.entry({ name: "./empty" }, "");
    tar.finalize();
    const index = new TarIndex();
    const out: Buffer[] = [];
    const sink = new PassThrough();
    sink.on("data", (d: Buffer) => out.push(d));
    await pipeline(tar as unknown as Readable, index, sink);
    assert.deepEqual(index.files, [
      { path: "a.txt", bytes: 5, sha256: sha("hello") },
      { path: "dir/b.bin", bytes: 3000, sha256: sha(Buffer.alloc(3000, 9)) },
      { path: "empty", bytes: 0, sha256: sha("") },
    ]);
    assert.equal(Buffer.concat(out).length, index.bytes);
  });

  it("fails on a stream that is not a tar", async () => {
    await assert.rejects(
      pipeline(Readable.from([Buffer.alloc(1024, 1)]), new TarIndex(), new PassThrough().resume()),
      /tar stream is damaged/,
    );
  });
});

describe("archive: the archiver pod", () => {
  const pod = archiverPod({ fleet: "uni", hub: "stat101", withDatabase: true }) as unknown as {
    metadata: { name: string; namespace: string };
    spec: Record<string, never> & {
      containers: Array<{
        securityContext: { runAsUser: number; capabilities: { drop: string[]; add: string[] } };
        volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
      }>;
      volumes: Array<{
        name: string;
        persistentVolumeClaim: { claimName: string; readOnly?: boolean };
      }>;
      affinity: { nodeAffinity: unknown };
      activeDeadlineSeconds: number;
    };
  };

  it("mounts the drive through the users' claim and the database read-only, on the core group", () => {
    assert.equal(pod.metadata.name, ARCHIVER_POD);
    assert.equal(pod.metadata.namespace, "stat101");
    assert.deepEqual(
      pod.spec.volumes.map((v) => [
        v.name,
        v.persistentVolumeClaim.claimName,
        v.persistentVolumeClaim.readOnly ?? false,
      ]),
      [
        ["drive", "drive", false],
        ["hub-db", "hub-db-dir", true],
      ],
    );
    const container = pod.spec.containers[0];
    assert.ok(container);
    assert.deepEqual(
      container.volumeMounts.map((m) => [m.mountPath, m.readOnly ?? false]),
      [
        [DRIVE_MOUNT, false],
        ["/hub-db", true],
      ],
    );
    assert.match(JSON.stringify(pod.spec.affinity.nodeAffinity), /jhcontrolplane/);
    assert.equal(container.securityContext.runAsUser, 0);
    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
    assert.ok(pod.spec.activeDeadlineSeconds > 0, "a pod left by a killed command ends");
    assert.equal((pod.spec as Record<string, unknown>).automountServiceAccountToken, false);
    const noDb = archiverPod({
      fleet: "uni",
      hub: "stat101",
      withDatabase: false,
    }) as unknown as typeof pod;
    assert.deepEqual(
      noDb.spec.volumes.map((v) => v.name),
      ["drive"],
    );
  });

  it("passes paths to sh as arguments, never inside the script", () => {
    const evil = "home/$(touch /tmp/pwned)";
    for (const command of [
      archiverCommands.exists(evil),
      archiverCommands.existing(evil),
      archiverCommands.writeTar(evil, false),
    ]) {
      assert.equal(command[0], "sh");
      assert.doesNotMatch(command[2] ?? "", /pwned/);
      assert.ok(command.slice(4).some((a) => a.includes("pwned")));
    }
  });

  it("its commands, run by GNU tar and sh: read a home, lay it elsewhere, never overwrite, read-only", () => {
    const root = mkdtempSync(join(tmpdir(), "hubfleet-archiver-"));
    try {
      const local = (command: string[]) => command.map((a) => a.split(DRIVE_MOUNT).join(root));
      const run = (command: string[], input?: Buffer) => {
        const [cmd, ...args] = local(command);
        const r = spawnSync(cmd ?? "", args, { input: input ?? Buffer.alloc(0) });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
      };
      mkdirSync(join(root, "home/alice/sub"), { recursive: true });
      mkdirSync(join(root, "home/bob"), { recursive: true });
      writeFileSync(join(root, "home/alice/a.txt"), "alice's");
      writeFileSync(join(root, "home/alice/sub/b.txt"), "deeper");
      assert.deepEqual(
        run(archiverCommands.users()).stdout.toString().split("\n").filter(Boolean).sort(),
        ["alice", "bob"],
      );
      assert.equal(
        run(archiverCommands.exists("home/alice/a.txt")).stdout.toString().trim(),
        "yes",
      );
      assert.equal(run(archiverCommands.exists("home/carol")).stdout.toString().trim(), "no");
      // The progress bar's total: file bytes only ("alice's" 7 + "deeper" 6), 0 for no folder.
      assert.equal(run(archiverCommands.fileBytes("home/alice")).stdout.toString(), "13\n");
      assert.equal(run(archiverCommands.fileBytes("home/carol")).stdout.toString(), "0\n");
      const tar = run(archiverCommands.readTar("home/alice"));
      assert.equal(tar.status, 0, tar.stderr);
      const listed = execFileSync("tar", ["-t"], { input: tar.stdout, encoding: "utf8" });
      assert.deepEqual(listed.split("\n").filter(Boolean).sort(), [
        "./",
        "./a.txt",
        "./sub/",
        "./sub/b.txt",
      ]);

      const into = run(archiverCommands.writeTar("home/bob/previous-term", true), tar.stdout);
      assert.equal(into.status, 0, into.stderr);
      assert.equal(statSync(join(root, "home/bob/previous-term/sub/b.txt")).mode & 0o777, 0o444);
      assert.equal(statSync(join(root, "home/bob/previous-term/sub")).mode & 0o777, 0o555);
      const existing = run(
        archiverCommands.existing("home/bob/previous-term"),
        Buffer.from("a.txt\nnope\nsub/b.txt\n"),
      );
      assert.deepEqual(existing.stdout.toString().split("\n").filter(Boolean), [
        "a.txt",
        "sub/b.txt",
      ]);

      writeFileSync(join(root, "home/bob/a.txt"), "bob's own");
      const again = run(archiverCommands.writeTar("home/bob", false), tar.stdout);
      assert.notEqual(again.status, 0, "tar --keep-old-files refuses to replace bob's a.txt");
      assert.equal(
        execFileSync("cat", [join(root, "home/bob/a.txt")], { encoding: "utf8" }),
        "bob's own",
      );
    } finally {
      execFileSync("chmod", ["-R", "u+w", root]);
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("archive and restore: the command line refuses bad input before it contacts anything", () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      "--then-delete of a hub still in the fleet file",
      ["archive", "stat101", "-f", EXAMPLE, "--then-delete"],
      /hub stat101 is still in .*fleet\.yaml: after --then-delete the next apply would create it again, empty; nothing was done[\s\S]*hint: remove hub stat101/,
    ],
    [
      "a --to that is not an s3:// address",
      ["archive", "stat101", "-f", EXAMPLE, "--to", "/tmp/archives"],
      /--to \/tmp\/archives: not an s3:\/\/ address[\s\S]*hint: write it as s3:\/\/BUCKET\/PREFIX/,
    ],
    [
      "a part size below S3's 5 MiB",
      ["archive", "stat101", "-f", EXAMPLE, "--part-size", "1"],
      /--part-size 1: expected whole MiB from 5 to 5120/,
    ],
    [
      "a restore from a bad bucket name",
      ["restore", "s3://Archives/x", "-f", EXAMPLE, "--into", "stat101"],
      /<archive> s3:\/\/Archives\/x: "Archives" is not a valid S3 bucket name/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runCli([...args, "--kubeconfig", "/nonexistent"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /bug in hubfleet|kubeconfig|using context/);
    });
  }
});

describe("archive progress on stderr", () => {
  it("a bar over the whole archive, capped at 100 % (files may grow while read)", () => {
    assert.equal(progressBar(0, 200, 10), "[░░░░░░░░░░]   0%");
    assert.equal(progressBar(50, 200, 10), "[██░░░░░░░░]  25%");
    assert.equal(progressBar(250, 200, 10), "[██████████] 100%");
    assert.equal(progressBar(0, 0, 4), "[████] 100%", "nothing to read is done");
  });

  it("without a terminal: a line per part and one per tenth of the bytes", () => {
    const lines: string[] = [];
    const io = { ...bufferIo(REPO, {}), isTTY: false, err: (t: string) => void lines.push(t) };
    const show = transferProgress(io);
    show({ type: "planned", parts: 2, totalBytes: 1000 });
    show({
      type: "part-start",
      part: { kind: "home", user: "ann" },
      key: "users/ann.tar.zst",
      index: 1,
    });
    for (let done = 100; done <= 1000; done += 50)
      show({ type: "read", doneBytes: done, totalBytes: 1000 });
    const tenths = lines.filter((l) => l.includes("%"));
    assert.deepEqual(
      tenths.map((l) => /(\d+)%/.exec(l)?.[1]),
      ["10", "20", "30", "40", "50", "60", "70", "80", "90"],
      "each tenth once; 100 % is the part's own line",
    );
    assert.match(lines[0] ?? "", /2 parts, 1000 B of files to read/);
    assert.match(lines[1] ?? "", /\[1\/2\] uploading users\/ann\.tar\.zst/);
  });
});
