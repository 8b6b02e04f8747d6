// The Kubernetes API server's own judgement of manifest files: podlab-validator (toolchain/validator,
// built by scripts/bootstrap from k8s.io/kubernetes at the local cluster's version) reads each file as
// kubectl does and runs the API server's create path on each Pod and ConfigMap. One process per
// program run, every file on its stdin, JSON out.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/** One document of a file, as podlab-validator reports it. */
export interface ValidatedDocument {
  /** The document's place in its file, from 1, empty documents counted (as kubectl splits them). */
  index: number;
  apiVersion?: string;
  kind?: string;
  name?: string;
  /** The document as kubectl sends it: YAML 1.1 (go-yaml) read into JSON, not defaulted. Absent for an empty document. */
  object?: Record<string, unknown>;
  /** The API server's refusals, in its words: "spec.volumes[0].hostPath.path: Invalid value: \"..\": must not contain '..'". */
  errors: string[];
  /** The API server's warnings on create (deprecated fields, odd values). */
  warnings: string[];
}

export interface ValidatedFile {
  name: string;
  /** The file is not YAML as kubectl splits it. */
  error?: string;
  documents: ValidatedDocument[];
}

const BINARY = "podlab-validator";

/** podlab-validator is missing or failed: a toolchain problem, not the user's manifests (index.ts says it without a stack trace). */
export class ValidatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ValidatorError";
  }
}

/**
 * Where podlab-validator is: $PODLAB_VALIDATOR, else on PATH (scripts/bootstrap links it into
 * $PODLAB_CACHE/bin, which .podlab/env puts on PATH), else in ~/.cache/podlab/bin. Undefined when missing.
 */
export function validatorPath(): string | undefined {
  if (process.env.PODLAB_VALIDATOR) return process.env.PODLAB_VALIDATOR;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), join(process.env.PODLAB_CACHE ?? join(homedir(), ".cache", "podlab"), "bin")];
  return dirs.filter((d) => d !== "").map((d) => join(d, BINARY)).find((p) => existsSync(p));
}

/**
 * Runs podlab-validator once on `files` (name for messages, text as read). Throws a ValidatorError
 * saying how to get it when it is missing (`npm run bootstrap`), or when it fails.
 */
export function validateFiles(files: { name: string; text: string }[]): ValidatedFile[] {
  const binary = validatorPath();
  if (!binary) throw new ValidatorError(`${BINARY} is missing: podlab checks manifests with the Kubernetes API server's own validation, built by \`npm run bootstrap\` (toolchain/validator); then \`source .podlab/env\``);
  const run = spawnSync(binary, [], { input: JSON.stringify({ files }), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw new ValidatorError(`${binary} could not run: ${run.error.message}`);
  if (run.status !== 0) throw new ValidatorError(`${binary} failed (exit ${run.status}): ${run.stderr.trim()}`);
  return (JSON.parse(run.stdout) as { files: ValidatedFile[] }).files;
}
