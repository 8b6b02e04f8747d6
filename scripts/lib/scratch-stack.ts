// Runs podlab's program through the real Pulumi CLI and engine, in a scratch copy of the project with
// its own state backend and stack config, so tests never touch the playground's stacks.
import execa from "execa";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";

const TOP = resolve(__dirname, "../..");
const PROJECT_FILES = ["Pulumi.yaml", "index.ts", "tsconfig.json", "package.json", "components", "pods"];

/** Fails loudly, naming the fix, when a tool the integration tests need is missing. */
export async function requireTools(...tools: ("pulumi" | "docker")[]): Promise<void> {
  for (const tool of tools) {
    const args = tool === "pulumi" ? ["version"] : ["info", "--format", "{{.ServerVersion}}"];
    try {
      await execa(tool, args);
    } catch (err) {
      throw new Error(`integration tests need '${tool} ${args[0]}' to work (run 'npm run bootstrap' first, or set PODLAB_UNIT_ONLY=1 for the unit tests alone): ${(err as Error).message}`);
    }
  }
}

export interface PreviewSummary {
  steps: { op: string; urn: string; diffs?: string[] }[];
  changeSummary: Record<string, number>;
}

export class ScratchStack {
  readonly dir: string;
  /** The environment its Pulumi commands run in (its own state backend and passphrase). */
  readonly env: Record<string, string>;

  /**
   * `backend` replaces the scratch copy's own file backend (e.g. a shared object store's URL and
   * credentials); `from` is a checkout of the same project whose stack config (and salt) it starts from.
   */
  private constructor(readonly stack: string, config: Record<string, unknown>, backend?: Record<string, string>, from?: ScratchStack) {
    this.dir = mkdtempSync(join(tmpdir(), `podlab-${stack}-`));
    for (const f of PROJECT_FILES) cpSync(join(TOP, f), join(this.dir, f), { recursive: true });
    symlinkSync(join(TOP, "node_modules"), join(this.dir, "node_modules"));
    mkdirSync(join(this.dir, "stacks"));
    mkdirSync(join(this.dir, ".state"));
    if (from) cpSync(join(from.dir, "stacks"), join(this.dir, "stacks"), { recursive: true });
    this.setConfig(config);
    this.env = {
      PULUMI_BACKEND_URL: `file://${join(this.dir, ".state")}`,
      PULUMI_CONFIG_PASSPHRASE: "podlab-tests",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      ...backend,
    };
  }

  /**
   * Replaces the stack's podlab config (keys without the "podlab:" prefix); keeps the rest, such as
   * the salt. `pods`, a list of Kubernetes objects (Pods, ConfigMaps), is written as a manifest file
   * `pods/<stack>.yaml` in the scratch project and named in `podlab:manifests`, as a user would.
   */
  setConfig(config: Record<string, unknown>): void {
    const file = join(this.dir, "stacks", `Pulumi.${this.stack}.yaml`);
    const current = existsSync(file) ? parse(readFileSync(file, "utf8")) ?? {} : {};
    const { pods, ...rest } = config;
    if (pods !== undefined) {
      const manifest = `pods/${this.stack}.yaml`;
      writeFileSync(join(this.dir, manifest), (pods as object[]).map((p) => stringify(p)).join("---\n"));
      rest.manifests = [manifest];
    }
    const prefixed = Object.fromEntries(Object.entries(rest).map(([k, v]) => [`podlab:${k}`, v]));
    writeFileSync(file, stringify({ ...current, config: prefixed }));
  }

  /** A new stack in a new scratch copy; `backend` as in the constructor (default: the copy's own). */
  static async create(stack: string, config: Record<string, unknown>, backend?: Record<string, string>): Promise<ScratchStack> {
    const s = new ScratchStack(stack, config, backend);
    await s.pulumi("stack", "init", stack);
    return s;
  }

  /**
   * Another checkout of `from`'s project (a pull request's branch): a new scratch copy with the same
   * stack on the same backend, its config replaced by `config`.
   */
  static checkout(from: ScratchStack, config: Record<string, unknown>): ScratchStack {
    const backend = Object.fromEntries(Object.entries(from.env).filter(([k]) => k === "PULUMI_BACKEND_URL" || k.startsWith("AWS_")));
    return new ScratchStack(from.stack, config, backend, from);
  }

  /** Runs `pulumi ARGS --stack STACK` in the scratch project; rejects with the output on failure. */
  pulumi(...args: string[]) {
    const withStack = args[0] === "stack" && args[1] === "init" ? args : [...args, "--stack", this.stack];
    return execa("pulumi", [...withStack, "--non-interactive"], { cwd: this.dir, env: this.env, all: true });
  }

  up() {
    return this.pulumi("up", "--yes", "--skip-preview");
  }

  async preview(...extra: string[]): Promise<PreviewSummary> {
    const { stdout } = await this.pulumi("preview", "--json", ...extra);
    return JSON.parse(stdout);
  }

  async outputs(): Promise<Record<string, any>> {
    const { stdout } = await this.pulumi("stack", "output", "--json", "--show-secrets");
    return JSON.parse(stdout);
  }

  refresh() {
    return this.pulumi("refresh", "--yes", "--skip-preview");
  }

  destroy() {
    return this.pulumi("destroy", "--yes", "--skip-preview");
  }

  /** Destroys what is left (unless `destroy` is false: a checkout sharing the stack) and removes the scratch copy. */
  async dispose(destroy = true): Promise<void> {
    if (destroy) await this.destroy().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Counts of planned changes other than "same". */
export function changes(preview: PreviewSummary): Record<string, number> {
  return Object.fromEntries(Object.entries(preview.changeSummary ?? {}).filter(([op]) => op !== "same"));
}
