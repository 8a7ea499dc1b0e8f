/**
 * Amazon S3's naming rules for general purpose buckets (the AWS S3 user guide, "General
 * purpose bucket naming rules"), so a bad name is caught before backup-setup asks AWS.
 */

const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];

/** Every rule the name breaks, each as a phrase ("is 2 characters long (3 to 63 allowed)"). */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) {
    problems.push(`is ${name.length} characters long (3 to 63 allowed)`);
  }
  if (!/^[a-z0-9.-]*$/.test(name)) {
    problems.push("may hold only lowercase letters, digits, dots and hyphens");
  }
  if (name !== "" && !/^[a-zA-Z0-9](.*[a-zA-Z0-9])?$/.test(name)) {
    problems.push("must begin and end with a letter or digit");
  }
  if (name.includes("..")) problems.push("must not have two dots in a row");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not look like an IP address");
  for (const prefix of RESERVED_PREFIXES) {
    if (name.startsWith(prefix)) problems.push(`must not start with "${prefix}" (reserved)`);
  }
  for (const suffix of RESERVED_SUFFIXES) {
    if (name.endsWith(suffix)) problems.push(`must not end with "${suffix}" (reserved)`);
  }
  return problems;
}
