// The policy pack and `compare` through the real Pulumi engine, on a real docker-host stack.
import execa from "execa";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedLayout, PodLayout } from "../../components/model/layout";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { PreviewSummary, requireTools, ScratchStack, StackCommandError } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "./fixtures";

const TOP = resolve(__dirname, "../..");
const POLICIES = join(TOP, "policies");
const run = Math.random().toString(36).slice(2, 7);
const podName = `pol${run}`;
const pod = quickStoppingPod(podName);
/** A preview's exit code and output, whether it passed or failed. */
const outcome = (p: Promise<PreviewSummary>) => p.then((r) => ({ exitCode: 0, all: r.stdout }), (e: StackCommandError) => e);
/** The pod's model, as both stacks read it from the manifest. */
const model = () => podSpecFromManifest(pod, podName, { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform: "kubernetes" }).spec;

describe("policy pack and compare on a real docker-host stack", () => {
  let stack: ScratchStack;
  const policyConfig = (reference?: PodLayout[]) => {
    const file = join(stack.dir, `policy-config-${Math.random().toString(36).slice(2, 6)}.json`);
    const config: Record<string, unknown> = {};
    if (reference) {
      const ref = join(stack.dir, "reference.json");
      writeFileSync(ref, JSON.stringify(reference));
      config["layouts-match-across-stacks"] = { reference: ref };
    }
    writeFileSync(file, JSON.stringify(config));
    return file;
  };
  const previewWithPolicies = (reference?: PodLayout[]) =>
    outcome(stack.preview({ policyPacks: [POLICIES], policyPackConfigs: [policyConfig(reference)] }));
  const kubernetesLayout = () => expectedLayout(model(), "kubernetes");

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    stack = await ScratchStack.create(`pol-${run}`, { platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", pods: [pod] });
  }, 120_000);
  afterAll(async () => stack?.dispose(), 300_000);

  it("passes a first preview, where much is still unknown", async () => {
    const result = await previewWithPolicies();
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain("podlab-layout");
  }, 120_000);

  it("passes once deployed, against the Kubernetes layout of the same model", async () => {
    await stack.up();
    const result = await previewWithPolicies([kubernetesLayout()]);
    expect(result.exitCode, result.all).toBe(0);
  }, 300_000);

  it("fails the preview on an injected difference, naming it", async () => {
    const other = kubernetesLayout();
    other.containers[1].memoryBytes = 64 * 2 ** 20;
    other.containers[0].image = "kennethreitz/httpbin";
    const result = await previewWithPolicies([other]);
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain("layouts-match-across-stacks");
    expect(result.all).toContain(`${podName}/sidecar: memoryBytes: kubernetes has 67108864, docker has 134217728`);
    expect(result.all).toContain(`${podName}/app: image: kubernetes has "kennethreitz/httpbin", docker has "podlab/httpbin:0.1"`);
  }, 120_000);

  it("compare prints the real layout beside Kubernetes' and fails only on an unexpected difference", async () => {
    const { layouts } = await stack.outputs();
    const left = join(stack.dir, "docker.json");
    const right = join(stack.dir, "kubernetes.json");
    writeFileSync(left, JSON.stringify(layouts));
    writeFileSync(right, JSON.stringify([kubernetesLayout()]));
    const compare = (r: string) => execa("npx", ["tsx", "scripts/compare.ts", "--left-file", left, "--right-file", r], { cwd: TOP, reject: false });
    const same = await compare(right);
    expect(same.exitCode, same.stdout).toBe(0);
    expect(same.stdout).toMatch(/uts ns\s+│ own, hostname copied\s+│ sandbox\s+│ expected: Docker cannot share/);
    expect(same.stdout).toContain("layouts match");

    const injected = kubernetesLayout();
    injected.containers[1].namespaces.ipc = "own";
    writeFileSync(right, JSON.stringify([injected]));
    const differs = await compare(right);
    expect(differs.exitCode).toBe(1);
    expect(differs.stdout).toMatch(/sidecar\s+│ ipc ns\s+│ sandbox\s+│ own\s+│ UNEXPECTED/);
    expect(differs.stdout).toContain("1 unexpected difference(s)");
  }, 120_000);
});

describe("policy pack on a preview of a kubernetes stack", () => {
  let stack: ScratchStack;
  beforeAll(async () => {
    await requireTools("pulumi");
    // A preview needs no cluster: the Pod is planned from the model alone.
    stack = await ScratchStack.create(`polk-${run}`, { platform: "kubernetes", context: "podlab-nowhere", pods: [pod] });
  }, 120_000);
  afterAll(async () => stack?.dispose(), 120_000);

  const preview = (reference: PodLayout[]) => {
    const ref = join(stack.dir, "reference.json");
    const config = join(stack.dir, "policy-config.json");
    writeFileSync(ref, JSON.stringify(reference));
    writeFileSync(config, JSON.stringify({ "layouts-match-across-stacks": { reference: ref } }));
    return outcome(stack.preview({ policyPacks: [POLICIES], policyPackConfigs: [config] }));
  };

  it("passes against the Docker layout of the same model", async () => {
    const result = await preview([expectedLayout(model(), "docker")]);
    expect(result.exitCode, result.all).toBe(0);
  }, 120_000);

  it("fails when the other side shares a namespace this one keeps private", async () => {
    const docker = expectedLayout(model(), "docker");
    docker.containers[0].namespaces.pid = "sandbox";
    const result = await preview([docker]);
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain(`${podName}/app: pid namespace: docker has "sandbox", kubernetes has "own"`);
  }, 120_000);
});

