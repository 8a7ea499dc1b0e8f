/** Constructors for findings, so every check words its result the same way. */
import type { FieldPath, Finding } from "./problems.js";

export const error = (path: FieldPath, message: string, hint?: string): Finding =>
  hint === undefined
    ? { severity: "error", path, message }
    : { severity: "error", path, message, hint };

export const warning = (path: FieldPath, message: string, hint?: string): Finding =>
  hint === undefined
    ? { severity: "warning", path, message }
    : { severity: "warning", path, message, hint };
