/** The two shapes every layer passes around: a Kubernetes object as plain data, and an output file. */

/** A Kubernetes object as plain data. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** One file of the render output. */
export interface BundleFile {
  /** Relative path inside the output directory, with '/' separators. */
  readonly path: string;
  readonly content: string;
}
