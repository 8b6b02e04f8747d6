// The ways the benchmark makes the same pods: podlab (Pulumi, through the Automation API and through
// the plain CLI), OpenTofu with the Terraform Docker provider, and the walkthrough's docker commands run
// one after another; and Pulumi's floor, an empty program, which makes nothing.
import execa from "execa";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BenchPod, benchManifest } from "./layout";
import { ScratchStack } from "../lib/scratch-stack";

export interface Tool {
  readonly name: string;
  up(): Promise<unknown>;
  /** A no-change preview (Pulumi), plan (tofu), or a read of every container (the plain CLI). */
  preview(): Promise<unknown>;
  destroy(): Promise<unknown>;
  dispose(): Promise<void>;
}

const TOP = resolve(__dirname, "../..");
const MIB = (q: string) => Number(q.replace(/Mi$/, ""));

export async function podlab(pods: BenchPod[]): Promise<Tool> {
  const stack = await ScratchStack.create(`bench-${pods[0].name}`, {
    platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods: pods.map(benchManifest),
  });
  return {
    name: "podlab",
    up: () => stack.automationUp(),
    // A no-change preview: the benchmark checks the same with tofu's -detailed-exitcode.
    preview: async () => {
      const { changeSummary } = await stack.preview();
      if (Object.keys(changeSummary).some((op) => op !== "same")) throw new Error(`podlab's preview planned changes: ${JSON.stringify(changeSummary)}`);
    },
    destroy: () => stack.automationDestroy(),
    dispose: () => stack.dispose(),
  };
}

/**
 * podlab through the plain Pulumi CLI, as a user runs it: `pulumi up --yes --skip-preview`,
 * `pulumi preview --expect-no-changes`, `pulumi destroy --yes --skip-preview`; without the
 * Automation API's extra commands (`stack output`, `stack history`) and event stream.
 */
export async function podlabCli(pods: BenchPod[]): Promise<Tool> {
  const stack = await ScratchStack.create(`bench-${pods[0].name}`, {
    platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods: pods.map(benchManifest),
  });
  return {
    name: "podlab CLI",
    up: () => stack.cli("up", "--yes", "--skip-preview"),
    preview: () => stack.cli("preview", "--expect-no-changes"),
    destroy: () => stack.cli("destroy", "--yes", "--skip-preview"),
    dispose: () => stack.dispose(),
  };
}

/**
 * Pulumi's floor: an empty Node.js program (plain JavaScript, so not even a transpiler loads) on a
 * file backend, through the plain CLI: what any Pulumi program pays for preview, up and destroy.
 */
export async function pulumiFloor(): Promise<Tool> {
  const dir = mkdtempSync(join(tmpdir(), "podlab-bench-floor-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: floor\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "floor", main: "index.js" }));
  writeFileSync(join(dir, "index.js"), "// An empty Pulumi program.\nrequire(\"@pulumi/pulumi\");\n");
  symlinkSync(join(TOP, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, ".state"));
  const env = {
    PULUMI_BACKEND_URL: `file://${join(dir, ".state")}`, PULUMI_CONFIG_PASSPHRASE: "podlab-bench",
    PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
  };
  const run = (...args: string[]) => execa("pulumi", [...args, "--stack", "floor", "--non-interactive"], { cwd: dir, env, all: true });
  await execa("pulumi", ["stack", "init", "floor", "--non-interactive"], { cwd: dir, env, all: true });
  return {
    name: "Pulumi floor",
    up: () => run("up", "--yes", "--skip-preview"),
    preview: () => run("preview", "--expect-no-changes"),
    destroy: () => run("destroy", "--yes", "--skip-preview"),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The same pods for OpenTofu, as JSON configuration (tofu reads *.tf.json like HCL). */
export function tofuConfig(pods: BenchPod[]): object {
  const images = { pause: "podlab/pause:0.1", httpbin: "podlab/httpbin:0.1", curl: "podlab/curl:0.1" };
  const imageOf = (ref: string) => Object.entries(images).find(([, r]) => r === ref)![0];
  const cgroups: Record<string, object> = {};
  const containers: Record<string, object> = {};
  for (const p of pods) {
    // The cgroup parent, made and removed by commands as podlab's cgroup command does.
    cgroups[`cg_${p.name}`] = {
      input: p.name,
      provisioner: [
        { "local-exec": { command: `cgcreate -g ${CONTROLLERS}:/pod-\${self.input}` } },
        { "local-exec": { when: "destroy", command: `find /sys/fs/cgroup -maxdepth 2 -type d -name pod-\${self.input} -exec rmdir {} +` } },
      ],
    };
    const sandbox = `${p.name}_sandbox`;
    containers[sandbox] = {
      name: `${p.name}-sandbox`, image: `\${data.docker_image.pause.id}`, hostname: p.name, ipc_mode: "shareable",
      cgroup_parent: `/pod-${p.name}`, depends_on: [`terraform_data.cg_${p.name}`],
    };
    for (const c of p.containers) {
      containers[`${p.name}_${c.name}`] = {
        name: `${p.name}-${c.name}`, image: `\${data.docker_image.${imageOf(c.image)}.id}`,
        network_mode: `container:\${docker_container.${sandbox}.id}`, ipc_mode: `container:\${docker_container.${sandbox}.id}`,
        // memory_swap as Docker sets it (twice memory): left out, every plan would want to remove it,
        // the upstream provider's drift that podlab's build suppresses.
        cgroup_parent: `/pod-${p.name}`, memory: MIB(c.memory), memory_swap: 2 * MIB(c.memory), entrypoint: c.command,
        depends_on: [`terraform_data.cg_${p.name}`],
      };
    }
  }
  return {
    terraform: { required_providers: { docker: { source: "kreuzwerker/docker" } } },
    provider: { docker: {} },
    data: { docker_image: Object.fromEntries(Object.entries(images).map(([k, name]) => [k, { name }])) },
    resource: { terraform_data: cgroups, docker_container: containers },
  };
}

export async function tofu(pods: BenchPod[], toolDir: string): Promise<Tool> {
  const dir = mkdtempSync(join(tmpdir(), "podlab-bench-tofu-"));
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(tofuConfig(pods), null, 2));
  const env = { TF_CLI_CONFIG_FILE: join(toolDir, "tofurc"), TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  const run = (...args: string[]) => execa(join(toolDir, "tofu"), [...args, "-input=false", "-no-color"], { cwd: dir, env, all: true });
  return {
    name: "tofu",
    up: () => run("apply", "-auto-approve"),
    // -detailed-exitcode: 2 means the plan has changes, which a no-change plan must not have.
    preview: () => run("plan", "-detailed-exitcode"),
    destroy: () => run("destroy", "-auto-approve"),
    dispose: async () => {
      await run("destroy", "-auto-approve").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const CONTROLLERS = "cpu,cpuacct,cpuset,memory,pids,blkio,devices,freezer";

/** The walkthrough's commands, one pod after another, as a shell script would run them. */
export async function plainCli(pods: BenchPod[]): Promise<Tool> {
  return {
    name: "docker CLI",
    async up() {
      for (const p of pods) {
        const parent = `/pod-${p.name}`;
        await execa("cgcreate", ["-g", `${CONTROLLERS}:${parent}`]);
        await execa("docker", ["run", "-d", "--name", `${p.name}-sandbox`, "--hostname", p.name, "--ipc", "shareable", "--cgroup-parent", parent, "podlab/pause:0.1"]);
        const join = ["--network", `container:${p.name}-sandbox`, "--ipc", `container:${p.name}-sandbox`, "--cgroup-parent", parent];
        for (const c of p.containers) {
          await execa("docker", ["run", "-d", "--name", `${p.name}-${c.name}`, ...join, "-m", `${MIB(c.memory)}m`, "--entrypoint", c.command![0], c.image, ...c.command!.slice(1)]);
        }
      }
    },
    preview: () => execa("docker", ["inspect", ...pods.flatMap((p) => [`${p.name}-sandbox`, ...p.containers.map((c) => `${p.name}-${c.name}`)])]),
    async destroy() {
      for (const p of pods) {
        await execa("docker", ["rm", "-f", ...p.containers.map((c) => `${p.name}-${c.name}`)]);
        await execa("docker", ["rm", "-f", `${p.name}-sandbox`]);
        // runc also made the parent in the hierarchies cgcreate was not asked for.
        await execa("find", ["/sys/fs/cgroup", "-maxdepth", "2", "-type", "d", "-name", `pod-${p.name}`, "-exec", "rmdir", "{}", "+"]);
      }
    },
    // After a failed step: remove whatever it made (containers first, then the cgroups).
    dispose: async () => {
      const names = pods.flatMap((p) => [...p.containers.map((c) => `${p.name}-${c.name}`), `${p.name}-sandbox`]);
      await execa("docker", ["rm", "-f", ...names], { reject: false });
      for (const p of pods) await execa("find", ["/sys/fs/cgroup", "-maxdepth", "2", "-type", "d", "-name", `pod-${p.name}`, "-exec", "rmdir", "{}", "+"], { reject: false });
    },
  };
}
