/**
 * What rendering produces: data, never files. The CLI writes a Bundle's files at the edge.
 */

export interface BundleFile {
  /** Relative path inside the output directory, with '/' separators. */
  readonly path: string;
  readonly content: string;
}

export interface Bundle {
  readonly files: readonly BundleFile[];
}
