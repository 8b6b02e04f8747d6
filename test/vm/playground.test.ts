// The playground VM, for real: a Debian VM booted with qemu (TCG here), systemd as PID 1, cgroup v2
// only, Docker with its systemd cgroup driver, reached over SSH with pinned keys. A few whole
// scenarios, since a container start there takes seconds: the walkthrough pod's layout in slices and
// scopes, two pods whose names nest in systemd's reading (web, web-canary), a pod-level limit change
// in place, a guest reboot, and destroy leaving nothing. Fails, never skips, when qemu is missing.
import execa from "execa";
import type { IPod } from "kubernetes-models/v1/Pod";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshHost, SshHost } from "../../components/docker/target";
import { cacheDir, IMAGE_KEY, stateDir } from "../../playground/vm";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { quickStoppingPod } from "../integration/fixtures";
import { waitFor } from "../integration/wait";
import { guest, GuestContainer, guestPod, podLeftovers, sliceMemoryMax } from "./guest";

const TOP = resolve(__dirname, "../..");
const run = Math.random().toString(36).slice(2, 7);
const MiB = 2 ** 20;
const web = `w${run}`;
const canary = `w${run}-canary`;

/**
 * The walkthrough's pod named `name`, with a pod-level memory limit when given; its app runs the
 * sidecar's image (a sleep), so that one image, not two, crosses to the emulated guest, twice (the
 * VM's first boot and its new machine): what is tested is the layout on systemd, not httpbin.
 */
function pod(name: string, podMemory?: string): IPod {
  const p = quickStoppingPod(name);
  Object.assign(p.spec!.containers[0], { image: "curlimages/curl", command: ["sh", "-c", "trap 'exit 0' TERM; sleep infinity & wait"], ports: [] });
  if (podMemory) (p.spec as any).resources = { limits: { memory: podMemory } };
  return p;
}

const timed = async <T>(what: string, f: () => Promise<T>) => {
  const t0 = Date.now();
  const r = await f();
  console.log(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return r;
};

/** The pod whole in the guest: sandbox, app and sidecar running, members in the sandbox's net and IPC. */
async function expectWhole(h: SshHost, name: string, slice: string): Promise<Record<string, GuestContainer>> {
  const c = await guestPod(h, name);
  expect(Object.keys(c).sort(), `${name}'s running containers`).toEqual(["app", "sandbox", "sidecar"]);
  for (const m of ["app", "sidecar"]) {
    expect(c[m].ns.net, `${m} net`).toBe(c.sandbox.ns.net);
    expect(c[m].ns.ipc, `${m} ipc`).toBe(c.sandbox.ns.ipc);
    expect(c[m].ns.uts, `${m} uts`).not.toBe(c.sandbox.ns.uts);
    expect(c[m].ns.mnt, `${m} mnt`).not.toBe(c.sandbox.ns.mnt);
  }
  for (const m of Object.values(c)) expect(m.cgroup, `${m.name}'s cgroup`).toBe(`/pod.slice/${slice}/docker-${m.id}.scope`);
  expect(c.app.memoryMax).toBe(256 * MiB);
  expect(c.sidecar.memoryMax).toBe(128 * MiB);
  return c;
}

describe("the playground VM: pods on systemd and cgroup v2", () => {
  let vm: ScratchStack;
  let pods: ScratchStack;
  let host: SshHost;
  let dockerHost: Record<string, string>;
  // The pods' stack finds the VM as a user's docker-vm stack does: through the playground stack's
  // outputs (a StackReference; both stacks share one state backend).
  const podsConfig = (list: IPod[]) => ({ platform: "docker", cgroupDriver: "systemd", pods: list, dockerHost: { stack: `vm-${run}` } });

  beforeAll(async () => {
    await requireTools("pulumi");
    vm = await ScratchStack.create(`vm-${run}`, { vmName: `vm${run}`, vm: { cpus: 2, memoryMiB: 2048, accel: "tcg" } });
    await timed("playground up (image cached or built, boot, provision)", () => vm.up());
    const out = await vm.outputs();
    expect(out.provisioned).toMatch(/init systemd, cgroup v2, docker .* with the systemd cgroup driver/);
    dockerHost = out.dockerHost;
    host = sshHost(dockerHost);
    pods = await ScratchStack.create(`vmpods-${run}`, podsConfig([pod(web, "512Mi"), pod(canary)]), { PULUMI_BACKEND_URL: vm.env.PULUMI_BACKEND_URL });
  }, 900_000);

  afterAll(async () => {
    await pods?.dispose();
    await vm?.dispose();
  }, 600_000);

  it("a VM that does not answer on SSH in time fails up with the serial console's last lines", async () => {
    const slow = await ScratchStack.create(`vmslow-${run}`, { vmName: `vms${run}`, vm: { bootTimeout: "10s" } });
    try {
      const err = await slow.up().then(() => undefined, (e) => e);
      expect(err?.all).toContain("sshd did not answer");
      expect(err?.all).toContain("last lines of the serial console");
      // The failed boot left no disk layer (only the keys, which destroy removes).
      expect(existsSync(join(stateDir(), "vms", `vms${run}`, "run"))).toBe(false);
    } finally {
      await slow.dispose();
    }
    // No qemu of that VM is left running, and nothing of it on disk.
    const qemus = execFileSync("sh", ["-c", "pgrep -a qemu-system || true"], { encoding: "utf8" });
    expect(qemus).not.toContain(`-name vms${run} `);
    expect(existsSync(join(stateDir(), "vms", `vms${run}`))).toBe(false);
  }, 300_000);

  it("lays each pod out as slices and scopes: web and web-canary siblings, limits in memory.max", async () => {
    await timed("pods up on the VM (images copied, two pods)", () => pods.up());
    const w = await expectWhole(host, web, `pod-${web}.slice`);
    const c = await expectWhole(host, canary, `pod-${web}_canary.slice`);
    // Siblings under pod.slice, not nested: the canary's cgroup is not inside web's slice.
    expect(c.app.cgroup.startsWith(`/pod.slice/pod-${web}.slice/`)).toBe(false);
    expect(sliceMemoryMax(host, `/pod.slice/pod-${web}.slice`)).toBe(512 * MiB);
    // Without pod-level limits: the sum of its containers' (256Mi + 128Mi), as the kubelet's.
    expect(sliceMemoryMax(host, `/pod.slice/pod-${web}_canary.slice`)).toBe(384 * MiB);
    expect(w.sandbox.ns.net).not.toBe(c.sandbox.ns.net);
  }, 900_000);

  it("shows the walkthrough's lsns and systemd-cgls of a pod on the VM, read over SSH", async () => {
    const inspect = (view: string) => execa("npx", ["tsx", "scripts/inspect.ts", pods.stack, view], { cwd: TOP, env: pods.env, reject: false, all: true });
    const [lsns, cgls] = [await inspect("--lsns"), await inspect("--cgls")];
    expect(lsns.exitCode, lsns.all).toBe(0);
    expect(cgls.exitCode, cgls.all).toBe(0);
    const w = await guestPod(host, web);
    expect(lsns.stdout).toContain(`pod ${web} on docker on ssh://`);
    expect(lsns.stdout).toMatch(new RegExp(`^${w.sandbox.ns.net}\\s+net\\s+\\d+\\s+\\d+\\s+.+\\s+sandbox\\s+sandbox,app,sidecar\\s*$`, "m"));
    expect(lsns.stdout).toMatch(new RegExp(`^${w.app.ns.uts}\\s+uts\\s+.+\\s+app\\s+app\\s*$`, "m"));
    // cgroup v2 under systemd: the pod's slice with its limit, each container's scope with its own.
    expect(cgls.stdout).toContain(`Control group /pod.slice/pod-${web}.slice (memory 512Mi limit, `);
    expect(cgls.stdout).toMatch(new RegExp(`docker-${w.app.id.slice(0, 12)}….scope \\[app\\] \\(memory 256Mi limit, [\\d.]+Mi in use; cpu no limit\\)`));
    // The picture page of the same pods, read over SSH; no Kubernetes stack here: drawn alone, said so.
    const file = join(pods.dir, "vm-pods.html");
    // --right left to its default (minikube), which this backend has not: said, and not a failure.
    const html = await execa("npx", ["tsx", "scripts/inspect.ts", "--html", file, "--left", pods.stack], { cwd: TOP, env: pods.env, reject: false, all: true });
    expect(html.exitCode, html.all).toBe(0);
    expect(html.stderr).toContain("inspect: minikube: not read: ");
    const page = readFileSync(file, "utf8");
    expect(page).toContain(`data-ns="net" data-inode="${w.sandbox.ns.net}" data-members="sandbox app sidecar"`);
    expect(page).toContain(`data-ns="uts" data-inode="${w.app.ns.uts}" data-members="app"`);
    expect(page).toContain(`data-cgroup="pod">/pod.slice/pod-${web}.slice</text>`);
    expect(page).toMatch(/docker \(ssh:\/\/[^)]+\), stack /);
  }, 300_000);

  it("changes a pod-level limit in place: the pod's containers keep running", async () => {
    const before = await guestPod(host, web);
    pods.setConfig(podsConfig([pod(web, "384Mi"), pod(canary)]));
    await timed("pod-level limit change", () => pods.up());
    const after = await expectWhole(host, web, `pod-${web}.slice`);
    for (const m of ["sandbox", "app", "sidecar"]) {
      expect(after[m].id, `${m} id`).toBe(before[m].id);
      expect(after[m].startedAt, `${m} started at`).toBe(before[m].startedAt);
    }
    expect(sliceMemoryMax(host, `/pod.slice/pod-${web}.slice`)).toBe(384 * MiB);
  }, 600_000);

  it("removing web leaves web-canary running, bounded only by its own limits", async () => {
    const before = await guestPod(host, canary);
    pods.setConfig(podsConfig([pod(canary)]));
    await timed("remove web", () => pods.up());
    const after = await expectWhole(host, canary, `pod-${web}_canary.slice`);
    for (const m of ["sandbox", "app", "sidecar"]) expect(after[m].startedAt, `${m} started at`).toBe(before[m].startedAt);
    expect(sliceMemoryMax(host, `/pod.slice/pod-${web}.slice`)).toBeUndefined();
    // Without pod-level limits: the sum of its containers' (256Mi + 128Mi), as the kubelet's.
    expect(sliceMemoryMax(host, `/pod.slice/pod-${web}_canary.slice`)).toBe(384 * MiB);
    expect(guest(host, `systemctl list-units --all --no-legend --plain "pod-$1.slice" | wc -l`, web).trim()).toBe("0");
  }, 600_000);

  it("brings the pod back whole with its limits after the guest reboots, and the next preview is clean", async () => {
    pods.setConfig(podsConfig([pod(canary, "448Mi")]));
    await pods.up();
    const before = await guestPod(host, canary);
    const bootId = guest(host, "cat /proc/sys/kernel/random/boot_id").trim();
    // The connection drops as the guest goes down; that is expected.
    try { guest(host, "systemctl reboot"); } catch { /* the guest went away */ }
    const back = await timed("reboot to a whole pod", () => waitFor("the pod whole after the reboot", async () => {
      expect(guest(host, "cat /proc/sys/kernel/random/boot_id").trim()).not.toBe(bootId);
      return await expectWhole(host, canary, `pod-${web}_canary.slice`);
    }, 600));
    expect(back.sandbox.id).toBe(before.sandbox.id);
    expect(back.sandbox.pid).not.toBe(before.sandbox.pid);
    expect(sliceMemoryMax(host, `/pod.slice/pod-${web}_canary.slice`)).toBe(448 * MiB);
    const preview = await pods.preview({ diff: true });
    expect(Object.keys(preview.changeSummary ?? {}).filter((k) => k !== "same"), preview.stdout).toEqual([]);
  }, 900_000);

  it("after the VM's qemu dies (the host restarted), a new boot, refresh and up bring the pod back whole", async () => {
    const qemuUrn = (await vm.exportStack()).resources!.find((r) => r.urn.endsWith(`::vm${run}-qemu`))!.urn;
    execFileSync("pkill", ["-KILL", "-f", `^qemu-system-x86_64 -name vm${run} `]);
    // What npm run playground -- vm does when it finds the VM gone.
    await timed("a new boot of the VM", () => vm.up({ replace: [qemuUrn] }));
    const out = await vm.outputs();
    expect(out.dockerHost.instance).not.toBe(dockerHost.instance);
    dockerHost = out.dockerHost;
    host = sshHost(dockerHost);
    expect(podLeftovers(host)).toBe("");
    pods.setConfig(podsConfig([pod(canary, "448Mi")]));
    await pods.refresh();
    await timed("the pod on the new machine", () => pods.up());
    await expectWhole(host, canary, `pod-${web}_canary.slice`);
    expect(sliceMemoryMax(host, `/pod.slice/pod-${web}_canary.slice`)).toBe(448 * MiB);
  }, 900_000);

  it("destroy leaves no container, no slice unit, no slice file and no cgroup", async () => {
    await timed("destroy the pods", () => pods.destroy());
    expect(podLeftovers(host)).toBe("");
  }, 600_000);

  it("destroying the playground stops qemu and removes the VM's folder, keeping the cached image", async () => {
    await timed("destroy the VM", () => vm.destroy());
    expect(execFileSync("sh", ["-c", "pgrep -a qemu-system || true"], { encoding: "utf8" })).not.toContain(`-name vm${run} `);
    expect(existsSync(join(stateDir(), "vms", `vm${run}`))).toBe(false);
    expect(existsSync(join(cacheDir(), "vm", `bookworm-${IMAGE_KEY}`, ".complete"))).toBe(true);
  }, 300_000);
});
