// The picture page (`inspect --html`) from fixed readings: the walkthrough's pod as Docker and the
// kubelet hold its namespaces, a split one, an unread side, and words from the host that need escaping.
import { describe, expect, it } from "vitest";
import { expectedLayout, Platform } from "../../components/model/layout";
import { podSpecFromManifest } from "../../components/model/from-manifest";
import { DEFAULT_IMAGE_OVERRIDES } from "../../components/model/image-overrides";
import { LivePod, splitMembers } from "../../host/live";
import { PodProcesses } from "../../host/pod-processes";
import { picturePage, slotOf } from "../../host/picture/page";
import { sideDifferences, Side, snapshotProblems, Snapshot } from "../../host/picture/snapshot";

const MANIFEST = {
  apiVersion: "v1", kind: "Pod", metadata: { name: "foo" },
  spec: { containers: [
    { name: "app", image: "podlab/httpbin:0.1", resources: { limits: { memory: "256Mi" } } },
    { name: "sidecar", image: "podlab/curl:0.1", command: ["/bin/sleep", "3650d"], resources: { limits: { memory: "128Mi" } } },
  ] },
};

/**
 * The pod on a platform: inodes numbered from `base`; members share the sandbox's net and ipc (and uts
 * on Kubernetes), and have their own pid and mnt. `moved` puts a member in another net and ipc (split).
 */
function side(platform: Platform, base: number, moved?: string, podMemory: number | null = null): Side {
  const docker = platform === "docker";
  const names = [docker ? "sandbox" : "pause", "app", "sidecar"];
  const inode = (n: number) => String(4026532000 + base + n);
  const members = names.map((name, i) => {
    const own = (k: number) => inode(10 * (i + 1) + k);
    const shared = (k: number) => (name === moved ? own(k + 5) : inode(k));
    return {
      name, image: i === 0 ? "podlab/pause:0.1" : name === "app" ? "podlab/httpbin:0.1" : "podlab/curl:0.1", pid: 100 + i,
      inodes: { net: shared(1), ipc: shared(2), uts: docker || i === 0 ? own(3) : inode(13), pid: own(4), mnt: own(5) },
      hostname: "foo", memoryCgroup: `/pod-foo/${name}`, memoryLimit: i === 0 ? ("max" as const) : (i === 1 ? 256 : 128) * 2 ** 20,
    };
  });
  const live: LivePod = { platform, pod: "foo", sandbox: members[0], containers: members.slice(1) };
  const procs: PodProcesses = {
    processes: members.map((m) => ({ container: m.name, pid: m.pid, ns: { ...m.inodes, user: "4026531837" }, command: m.name === "app" ? "gunicorn <b>&amp; httpbin:app" : `/${m.name}` })),
    cgroups: Object.fromEntries(members.map((m) => [m.name, { path: `/pod-foo/${"a".repeat(64)}`, memoryLimit: m.memoryLimit === "max" ? null : m.memoryLimit, memoryCurrent: 2 ** 20, cpuQuotaUs: null, cpuPeriodUs: 100000 }])),
    podCgroup: { path: docker ? "/pod-foo" : "/kubepods/burstable/pod1234", memoryLimit: podMemory, memoryCurrent: 3 * 2 ** 20, cpuQuotaUs: null, cpuPeriodUs: 100000 },
    host: { user: "4026531837", net: "4026531840" },
  };
  const layout = expectedLayout(podSpecFromManifest(MANIFEST as never, "Pod foo", { images: DEFAULT_IMAGE_OVERRIDES, configMaps: new Map(), platform }).spec, platform);
  return { source: docker ? "docker-host" : "minikube", platform, where: docker ? "docker (local engine)" : "kubernetes (local cluster)", layout, live, procs, split: splitMembers(live) };
}

function snapshot(left: Side, right: Side): Snapshot {
  return { readAt: new Date("2026-12-01T12:00:00Z"), sources: [{ name: "docker-host", pods: 1, required: true }, { name: "minikube", pods: 1, required: true }], pods: [{ pod: "foo", sides: [left, right], diffs: sideDifferences("foo", left, right) }] };
}

/** The SVG of one platform's figure in a page. */
const figure = (html: string, platform: string) => html.split(`<figure data-platform="${platform}"`)[1].split("</figure>")[0];

describe("the picture page", () => {
  const whole = picturePage(snapshot(side("docker", 0, undefined, 384 * 2 ** 20), side("kubernetes", 500, undefined, 384 * 2 ** 20)));

  it("draws each namespace as a band across the members in it, with its inode and holder, as text", () => {
    const docker = figure(whole, "docker");
    expect(docker).toContain('<g class="band" data-ns="net" data-inode="4026532001" data-members="sandbox app sidecar">');
    expect(docker).toContain("shared, held by sandbox");
    // Docker: each member its own UTS namespace; the kubelet's pause holds one for all.
    expect(docker).toContain('data-ns="uts" data-inode="4026532023" data-members="app"');
    expect(figure(whole, "kubernetes")).toContain('data-ns="uts" data-inode="4026532513" data-members="pause app sidecar"');
    expect(docker).toMatch(/<text[^>]*>net <tspan class="mono">4026532001<\/tspan><\/text>/);
    expect(docker).toContain('data-split="false"');
  });

  it("numbers each difference, marks where it shows, and gives the platforms' reason", () => {
    const utsRow = whole.split("<tr").find((r) => r.includes("foo/app: uts namespace"))!;
    expect(utsRow).toContain("expected: Docker cannot share a UTS namespace");
    const n = /<td>(\d+)<\/td>/.exec(utsRow)![1];
    expect(figure(whole, "docker")).toContain(`>[${n}]</text>`);
    expect(whole).not.toContain("UNEXPECTED</strong>");
    expect(snapshotProblems(snapshot(side("docker", 0), side("kubernetes", 500)))).toEqual([]);
    // The pod cgroups' memory limits: both platforms limit it to the sum of the containers'; a pod
    // cgroup left without one is a difference nothing explains.
    const unlimited = picturePage(snapshot(side("docker", 0), side("kubernetes", 500, undefined, 384 * 2 ** 20)));
    expect(unlimited).toMatch(/foo: pod cgroup memory limit<\/td><td>none<\/td><td>384Mi \(402653184 bytes\)<\/td><td><strong>⚠ UNEXPECTED<\/strong>/);
  });

  it("draws a split pod split, says so in words, and counts it as a problem", () => {
    const s = snapshot(side("docker", 0, "app"), side("kubernetes", 500));
    const html = picturePage(s);
    const docker = figure(html, "docker");
    expect(docker).toContain('data-split="true"');
    expect(docker).toContain("⚠ SPLIT: app is in net namespace 4026532026, its sandbox in 4026532001");
    expect(docker).toContain('<g class="band split" data-ns="net" data-inode="4026532026" data-members="app">');
    expect(docker).toContain("⚠ not the sandbox&#39;s");
    expect(html).toMatch(/<tr class="unexpected"><td>!\d+<\/td><td>foo\/app: net namespace<\/td><td>own<\/td><td>sandbox<\/td><td><strong>⚠ UNEXPECTED<\/strong>/);
    expect(snapshotProblems(s)).toEqual([
      "pod foo on docker is split: app is in net namespace 4026532026, its sandbox in 4026532001",
      "pod foo on docker is split: app is in ipc namespace 4026532027, its sandbox in 4026532002",
      'foo/app: net namespace: "own" against "sandbox"  UNEXPECTED',
      'foo/app: ipc namespace: "own" against "sandbox"  UNEXPECTED',
    ]);
  });

  it("is one self-contained page: no script, no external asset, words from the host escaped", () => {
    expect(whole).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
    expect(whole).not.toContain("<b>");
    expect(whole).not.toContain('http-equiv="refresh"');
    expect(picturePage(snapshot(side("docker", 0), side("kubernetes", 500)), { every: 3 })).toContain('<meta http-equiv="refresh" content="3">');
    // Once the watcher stopped, the last page says so and reloads no more.
    const stopped = picturePage(snapshot(side("docker", 0), side("kubernetes", 500)), { every: 3, stoppedAt: new Date("2026-12-01T12:01:00Z") });
    expect(stopped).not.toContain('http-equiv="refresh"');
    expect(stopped).toContain("<strong>Not rewritten any more:</strong> <code>inspect --watch</code> stopped at 2026-12-01T12:01:00.000Z.");
  });

  it("draws a side it could not read with the reason, and compares nothing", () => {
    const unread: Side = { source: "minikube", where: "", split: [], error: "stack minikube has no 'layouts' output: run 'pulumi up' on it first", sourceUnread: true };
    const s = { ...snapshot(side("docker", 0), unread), sources: [{ name: "docker-host", pods: 1, required: false }, { name: "minikube", error: unread.error!, required: false }] };
    const html = picturePage(s);
    expect(html).toContain('data-error="true"');
    expect(html).toContain("stack minikube has no &#39;layouts&#39; output");
    expect(html).toContain("Not compared: minikube could not be read.");
    expect(html).toContain(`<li class="problem">minikube: not read: stack minikube has no &#39;layouts&#39; output`);
    // A default stack that is not deployed is said on the page, not counted against the pod; one the
    // user named is a problem, once; a pod one source lacks is one too.
    expect(snapshotProblems(s)).toEqual([]);
    expect(snapshotProblems({ ...s, sources: [s.sources[0], { ...s.sources[1], required: true }] })).toEqual([unread.error]);
    expect(snapshotProblems(snapshot(side("docker", 0), { ...unread, sourceUnread: false }))).toEqual([`pod foo (minikube): ${unread.error}`]);
  });

  it("places a difference by its path", () => {
    expect(slotOf("foo/app: uts namespace")).toEqual({ container: "app", field: "uts" });
    expect(slotOf("foo/app: memoryBytes")).toEqual({ container: "app", field: "header" });
    expect(slotOf("foo/app")).toEqual({ container: "app", field: "header" });
    expect(slotOf("foo: cgroup parent")).toEqual({ field: "pod" });
  });
});
