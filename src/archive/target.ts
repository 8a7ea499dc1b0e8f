/**
 * Before an archive writes anything: the bucket must exist and take a write (a probe object
 * put and deleted again), and the hub's user servers must be stopped, so the copy is
 * consistent. Each refusal says what to do.
 */
import { UsageError } from "../errors.js";
import { AwsError } from "../ports/aws.js";
import type { KubePort } from "../ports/kube.js";
import type { S3Port } from "../ports/s3.js";
import { keyIn, type S3Location, s3Url } from "./layout.js";

/** z2jh labels every user server `component: singleuser-server` (the chart's own label key). */
export const USER_SERVER_SELECTOR = "component=singleuser-server";

export async function checkBucketExists(s3: S3Port, target: S3Location): Promise<void> {
  const state = await s3.headBucket(target.bucket);
  if (state === "missing") {
    throw new UsageError(
      `bucket ${target.bucket} (${s3Url(target)}) does not exist; nothing was written`,
      "create it first (backup-setup creates the fleet's backup bucket), or give --to s3://AN-EXISTING-BUCKET/PREFIX",
    );
  }
  if (state === "forbidden") {
    throw new UsageError(
      `bucket ${target.bucket} exists but these AWS credentials may not use it (403); nothing was written`,
      "use credentials of the bucket's account (AWS_PROFILE), or give --to another bucket",
    );
  }
}

/** Puts and deletes a small object under the prefix: a bucket that refuses it is not writable. */
export async function checkBucketWritable(
  s3: S3Port,
  target: S3Location,
  stamp: string,
): Promise<void> {
  const key = keyIn(target, `.hubfleet-write-probe-${stamp}`);
  try {
    await s3.putText({ bucket: target.bucket, key, text: "{}\n" });
    await s3.deleteObject({ bucket: target.bucket, key });
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    throw new UsageError(
      `cannot write to ${s3Url(target)}: ${err.code}${err.message.includes(err.code) ? "" : ` (${err.message})`}; nothing was archived`,
      `the credentials in use need s3:PutObject and s3:DeleteObject on arn:aws:s3:::${target.bucket}/${target.prefix === "" ? "" : `${target.prefix}/`}*; or give --to a bucket you may write`,
    );
  }
}

/**
 * Refuses while any user server of the hub runs: files change under a running notebook, so the
 * archive would not be one moment's copy.
 */
export async function checkNoUserServers(kube: KubePort, hub: string): Promise<void> {
  const pods = await kube.list("v1", "Pod", {
    namespace: hub,
    labelSelector: USER_SERVER_SELECTOR,
  });
  const live = pods.filter((p) => {
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    return phase !== "Succeeded" && phase !== "Failed";
  });
  if (live.length > 0) {
    const names = live.map((p) => p.metadata.name).sort();
    throw new UsageError(
      `hub ${hub} has ${live.length} user server(s) running (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}): their files may change while they are archived; nothing was written`,
      "stop them first (the hub's admin page, or let the hub sleep) and run archive again",
    );
  }
}
