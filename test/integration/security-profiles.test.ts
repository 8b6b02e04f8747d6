// Localhost security profiles on both stacks: a seccomp profile file on the host (the docker platform
// reads /var/lib/podlab/seccomp/, the kubelet <root-dir>/seccomp/) filters the container's syscalls
// alike; a missing profile, and an AppArmor profile the host cannot enforce, are refused before
// anything is made (the kubelet rejects the latter: "Cannot enforce AppArmor").
import execa from "execa";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl } from "../../host/cri";
import { liveKubernetesPod } from "../../host/live";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { SECCOMP_DIR } from "../../components/docker/security-profiles";
import { ensureCluster } from "./cluster";
import { secondRun } from "./fixtures";
import { destroyAndCheck, wholePod } from "./pod-health";

const run = Math.random().toString(36).slice(2, 7);
const name = `scp${run}`;
const profile = `podlab-test-${run}/deny-mkdir.json`;
// Every syscall allowed but mkdir and mkdirat, which fail with EPERM.
const DENY_MKDIR = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }] };

const pod = (securityContext: object, podName = name) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: podName },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: "app", image: "curlimages/curl", command: ["sleep", "3650d"], resources: { limits: { memory: "32Mi" } }, securityContext }],
  },
});
const localhost = (localhostProfile: string) => ({ seccompProfile: { type: "Localhost", localhostProfile } });

/** Writes the profile under a node's profile folder; returns the folder to remove. */
function writeProfile(root: string): string {
  const dir = `${root}/podlab-test-${run}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${root}/${profile}`, JSON.stringify(DENY_MKDIR, null, 2));
  return dir;
}
const seccompMode = (pid: number) => /^Seccomp:\s*(\d)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1];

describe("Localhost seccomp profiles on the docker-host stack", () => {
  let stack: ScratchStack;
  const dirs: string[] = [];

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    dirs.push(writeProfile(SECCOMP_DIR));
    stack = await ScratchStack.create(`scp-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [pod(localhost(profile))] });
    await stack.up();
  }, 600_000);

  afterAll(async () => {
    await destroyAndCheck(stack, name);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 300_000);

  it("filters the container's syscalls by the host's profile file", async () => {
    const { members } = await wholePod(name, ["app"]);
    expect(seccompMode(members.app.pid)).toBe("2");
    await expect(execa("docker", ["exec", `${name}-app`, "mkdir", "/tmp/x"])).rejects.toThrow(/Operation not permitted/);
    expect((await execa("docker", ["exec", `${name}-app`, "touch", "/tmp/y"])).exitCode).toBe(0);
    // The profile's JSON, as Docker keeps it, reads back as the program gives it: nothing to change.
    const { planned, upExitCode } = await secondRun(stack);
    expect(planned).toEqual({});
    expect(upExitCode).toBe(0);
  }, 120_000);

  it("refuses a profile the host lacks, and an AppArmor profile the host cannot enforce, before anything is made", async () => {
    const other = await ScratchStack.create(`scpx-${run}`, { platform: "docker", cgroupDriver: "auto", pods: [pod(localhost("podlab-test-absent/none.json"), `${name}x`)] });
    try {
      await expect(other.preview()).rejects.toThrow(`Pod ${name}x: container app: securityContext.seccompProfile.localhostProfile: "podlab-test-absent/none.json" is not a readable file on the Docker host (${SECCOMP_DIR}/podlab-test-absent/none.json)`);
      other.setConfig({ platform: "docker", cgroupDriver: "auto", pods: [pod({ appArmorProfile: { type: "Localhost", localhostProfile: "podlab-absent" } }, `${name}x`)] });
      const enabled = existsSync("/sys/module/apparmor/parameters/enabled") && readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").startsWith("Y");
      await expect(other.preview()).rejects.toThrow(enabled
        ? /appArmorProfile.localhostProfile: "podlab-absent" is not a profile loaded on the Docker host/
        : /appArmorProfile.localhostProfile: "podlab-absent" cannot be enforced: AppArmor is not enabled on the Docker host/);
      expect((await execa("docker", ["ps", "-aq", "--filter", `name=^${name}x-`])).stdout).toBe("");
    } finally {
      await other.dispose(false);
    }
  }, 300_000);

  it("applies the same manifest on the local cluster: the same filter from the kubelet's profile folder", async () => {
    const cluster = await ensureCluster();
    dirs.push(writeProfile(cluster.PODLAB_K8S_SECCOMP));
    const kube = await ScratchStack.create(`scpk-${run}`, {
      platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, readyTimeout: "3m", pods: [pod(localhost(profile))],
    });
    try {
      await kube.up();
      const live = await liveKubernetesPod(cluster, name);
      expect(seccompMode(live.containers.find((c) => c.name === "app")!.pid)).toBe("2");
      await expect(kubectl(cluster, "exec", name, "-c", "app", "--", "mkdir", "/tmp/x")).rejects.toThrow(/Operation not permitted/);
    } finally {
      await kube.dispose();
    }
  }, 400_000);
});
