/**
 * The S3 object port of archive and restore: bucket probe, small objects (manifests, the write
 * probe), streamed multipart uploads with S3's SHA256 checksums (@aws-sdk/lib-storage), and
 * HeadObject/GetObject with checksum mode on. Failures become AwsError (service, call, key, AWS's
 * code), as in the AWS port of backup-setup; an endpoint override points it at an S3-compatible
 * server (the tests' local stand-in).
 */
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { toAwsError } from "./aws.js";

/** S3's smallest part of a multipart upload (all but the last); lib-storage's minimum too. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface ObjectHead {
  readonly bytes: number;
  /** S3's SHA256 checksum (base64, `…-N` for N parts), when the object was written with one. */
  readonly sha256Checksum: string | undefined;
}

export interface S3Port {
  /** exists, missing (404), or forbidden (403: someone else's, or no right to see it). */
  headBucket(bucket: string): Promise<"exists" | "missing" | "forbidden">;
  putText(options: { bucket: string; key: string; text: string }): Promise<void>;
  getText(options: { bucket: string; key: string }): Promise<string | undefined>;
  deleteObject(options: { bucket: string; key: string }): Promise<void>;
  /** HeadObject with checksum mode on; undefined when there is no such object. */
  head(options: { bucket: string; key: string }): Promise<ObjectHead | undefined>;
  /** Keys under a prefix (every page). */
  list(options: { bucket: string; prefix: string }): Promise<string[]>;
  /**
   * Streams `body` into one object: multipart in parts of `partSize` bytes when it is larger,
   * each part with its SHA256 checksum, which S3 checks on receipt.
   */
  upload(options: { bucket: string; key: string; body: Readable; partSize: number }): Promise<void>;
  /** The object's bytes as a stream. */
  download(options: { bucket: string; key: string }): Promise<Readable>;
}

export interface S3Options {
  readonly region: string;
  /** An S3-compatible endpoint instead of AWS (path-style addressing). */
  readonly endpoint?: string;
  /** Explicit credentials; default: the SDK's chain (environment, profile, IRSA...). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

const statusOf = (err: unknown): number =>
  (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ?? 0;

export function s3Port(options: S3Options): S3Port {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const call = async <T>(operation: string, resource: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (err) {
      throw toAwsError(err, { service: "S3", operation, resource });
    }
  };
  const where = (bucket: string, key: string) => `s3://${bucket}/${key}`;
  /** The call's answer, or undefined when there is no such object (404). */
  const unlessMissing = async <T>(operation: string, resource: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw toAwsError(err, { service: "S3", operation, resource });
    }
  };

  return {
    async headBucket(bucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return "exists";
      } catch (err) {
        const status = statusOf(err);
        if (status === 404) return "missing";
        if (status === 403) return "forbidden";
        throw toAwsError(err, { service: "S3", operation: "HeadBucket", resource: bucket });
      }
    },
    async putText({ bucket, key, text }) {
      await call("PutObject", where(bucket, key), () =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: text,
            ContentType: "application/json",
            ChecksumAlgorithm: "SHA256",
          }),
        ),
      );
    },
    getText: ({ bucket, key }) =>
      unlessMissing("GetObject", where(bucket, key), async () => {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
        );
        return (await out.Body?.transformToString("utf8")) ?? "";
      }),
    async deleteObject({ bucket, key }) {
      await call("DeleteObject", where(bucket, key), () =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
      );
    },
    head: ({ bucket, key }) =>
      unlessMissing("HeadObject", where(bucket, key), async () => {
        const out = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
        );
        return { bytes: out.ContentLength ?? 0, sha256Checksum: out.ChecksumSHA256 };
      }),
    async list({ bucket, prefix }) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await call("ListObjectsV2", `s3://${bucket}/${prefix}`, () =>
          client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          ),
        );
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async upload({ bucket, key, body, partSize }) {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ChecksumAlgorithm: "SHA256" },
        partSize,
        // One part at a time: memory stays at one part, and parts arrive in order.
        queueSize: 1,
        leavePartsOnError: false,
      });
      await call("Upload", where(bucket, key), () => upload.done());
    },
    async download({ bucket, key }) {
      const out = await call("GetObject", where(bucket, key), () =>
        client.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
      );
      return out.Body as Readable;
    },
  };
}
