// Runs podlab's program through the real Pulumi CLI and engine, driven by Pulumi's Automation API
// (LocalWorkspace), in a scratch copy of the project with its own state backend and stack config, so
// tests never touch the playground's stacks.
import { ConcurrentUpdateError, EngineEvent, LocalWorkspace, Stack, UpResult } from "@pulumi/pulumi/automation";
import execa from "execa";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";

const TOP = resolve(__dirname, "../..");
const PROJECT_FILES = ["Pulumi.yaml", "program.js", "index.ts", "tsconfig.json", "package.json", "components", "playground", "pods"];

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
  /** What `pulumi preview` printed. */
  stdout: string;
}

/**
 * A Pulumi command that failed, as the Automation API reports it, with what a test reads: the exit
 * code, everything it printed, and whether the stack was locked by another update.
 */
export class StackCommandError extends Error {
  constructor(message: string, readonly exitCode: number, readonly all: string, readonly locked: boolean) {
    super(message);
    this.name = "StackCommandError";
  }

  static from(err: unknown): StackCommandError {
    if (err instanceof StackCommandError) return err;
    const text = err instanceof Error ? err.message : String(err);
    // CommandError keeps the command's result; its type hides it, the object has it.
    const code = (err as { commandResult?: { code?: number } }).commandResult?.code;
    return new StackCommandError(text, code ?? 1, text, err instanceof ConcurrentUpdateError);
  }

  /**
   * A failed plain CLI command (execa's error). `locked` by the texts Pulumi's Automation API reads
   * as a ConcurrentUpdateError (automation/errors.ts): the service's 409 and the DIY backend's lock.
   */
  static fromCli(err: unknown): StackCommandError {
    const e = err as { message: string; exitCode?: number; all?: string };
    const all = e.all ?? e.message;
    return new StackCommandError(e.message, e.exitCode ?? 1, all, /\[409\] Conflict: Another update is currently in progress|the stack is currently locked by/.test(all));
  }
}

export class ScratchStack {
  readonly dir: string;
  private workspace?: Promise<Stack>;
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
    try {
      s.workspace = Promise.resolve(await LocalWorkspace.createStack({ stackName: stack, workDir: s.dir }, { envVars: s.env }));
    } catch (err) {
      rmSync(s.dir, { recursive: true, force: true });
      throw StackCommandError.from(err);
    }
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

  /** The stack through Pulumi's Automation API (LocalWorkspace), in this copy, with this copy's env. */
  private async automation(): Promise<Stack> {
    this.workspace ??= LocalWorkspace.selectStack({ stackName: this.stack, workDir: this.dir }, { envVars: this.env });
    // A failed selection is not kept: the next call tries again.
    return this.workspace.catch((err) => {
      this.workspace = undefined;
      throw err;
    });
  }

  /** Runs an Automation API call; a failure becomes a StackCommandError with the command's output. */
  private async run<T>(what: (s: Stack) => Promise<T>): Promise<T> {
    try {
      return await what(await this.automation());
    } catch (err) {
      throw StackCommandError.from(err);
    }
  }

  /** The docker-host stack's agent container on the host (components/docker/agent.ts, agentContainerName). */
  get agentName(): string {
    return `podlab.${this.stack}.agent`;
  }

  /**
   * `pulumi up --yes --skip-preview` through the plain CLI, optionally expecting no changes or
   * replacing resources by URN. Not the Automation API's `up`, which also runs `pulumi stack output`
   * and `pulumi stack history` afterwards (about a second a call, CPU-bound, that no test reads).
   */
  up(opts: { expectNoChanges?: boolean; replace?: string[] } = {}): Promise<{ stdout: string }> {
    return this.cliStep("up", "--yes", "--skip-preview", ...(opts.expectNoChanges ? ["--expect-no-changes"] : []), ...(opts.replace ?? []).flatMap((u) => ["--replace", u]));
  }

  /** `up` through the Automation API, as a program driving Pulumi does (the benchmark's "podlab" column). */
  automationUp(): Promise<UpResult> {
    return this.run((s) => s.up());
  }

  /** A CLI command whose failure becomes a StackCommandError with its output; resolves its stdout. */
  private async cliStep(...args: string[]): Promise<{ stdout: string }> {
    try {
      return { stdout: (await this.cli(...args)).stdout };
    } catch (err) {
      throw StackCommandError.fromCli(err);
    }
  }

  /**
   * `pulumi preview`: what it would do (steps and counts, from the engine's events) and its output.
   * `policyPacks` and `policyPackConfigs` are folders and files, as for `--policy-pack(-config)`.
   */
  async preview(opts: { diff?: boolean; policyPacks?: string[]; policyPackConfigs?: string[] } = {}): Promise<PreviewSummary> {
    const steps: PreviewSummary["steps"] = [];
    const result = await this.run((s) => s.preview({
      ...opts,
      onEvent: (e: EngineEvent) => {
        const m = e.resourcePreEvent?.metadata;
        if (m) steps.push({ op: m.op, urn: m.urn, diffs: m.diffs });
      },
    }));
    return { steps, changeSummary: result.changeSummary, stdout: result.stdout };
  }

  /** The stack's outputs, as plain values. */
  async outputs(): Promise<Record<string, any>> {
    const out = await this.run((s) => s.outputs());
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value]));
  }

  /** The stack's state (`pulumi stack export`): its deployment, with every resource's URN and type. */
  async exportStack(): Promise<{ resources?: { urn: string; type: string }[] }> {
    return (await this.run((s) => s.exportStack())).deployment;
  }

  refresh() {
    return this.run((s) => s.refresh());
  }

  /**
   * The plain Pulumi CLI in this copy, as a user types it (e.g. `up --yes --skip-preview`), with this
   * stack and env; no Automation API around it. Rejects with the command's output when it fails.
   */
  cli(...args: string[]) {
    return execa("pulumi", [...args, "--stack", this.stack, "--non-interactive"], { cwd: this.dir, env: this.env, all: true });
  }

  /** `pulumi destroy --yes --skip-preview` through the plain CLI (as `up`: no commands after it). */
  async destroy(): Promise<void> {
    await this.cliStep("destroy", "--yes", "--skip-preview");
  }

  /** `destroy` through the Automation API (the benchmark's "podlab" column). */
  automationDestroy() {
    return this.run((s) => s.destroy());
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
