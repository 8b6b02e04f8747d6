// The /proc reader's report (host/proc.ts): one shell command prints namespaces, cgroups, hostname and
// memory limit for each process, on the local host or a Docker host over SSH; here, its parsing.
import { readFileSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { known, parseProcessReports, processReports } from "../../host/proc";
import { LivePod, securityDifferences } from "../../host/live";
import { envDifferences } from "../../host/live-env";

const ID = "6a1a5e422f0bbe42e5121a1b498af47a41ed0979fbc90fb7c8a7be27627f8884";
const ns = (base: number) => ["net", "ipc", "uts", "pid", "mnt"].map((n, i) => `ns ${n}:[${base + i}]`);

describe("the process report", () => {
  it("reads a cgroup v2 host with the systemd driver: one hierarchy, the limit from memory.max", () => {
    const out = ["pid 2343", ...ns(4026532217), `cgroup 0::/pod.slice/pod-foo.slice/docker-${ID}.scope`, "hostname foo", "limit 268435456",
      "pid 2241", ...ns(4026532300), "cgroup 0::/pod.slice/pod-foo.slice/docker-1.scope", "hostname foo", "limit max", ""].join("\n");
    const [app, sandbox] = parseProcessReports(out);
    expect(app).toEqual({
      pid: 2343,
      inodes: { net: "4026532217", ipc: "4026532218", uts: "4026532219", pid: "4026532220", mnt: "4026532221" },
      cgroups: { "": `/pod.slice/pod-foo.slice/docker-${ID}.scope` },
      hostname: "foo",
      memoryLimit: 256 * 2 ** 20,
    });
    expect(sandbox.memoryLimit).toBe("max");
  });

  it("reads a cgroup v1 host: a path per controller, joined controllers apart, paths with colons whole", () => {
    const [r] = parseProcessReports(["pid 7", ...ns(10), "cgroup 12:cpu,cpuacct:/pod-a/x", "cgroup 4:memory:/pod-a/x:y", "cgroup 1:name=systemd:/s", "cgroup 0::/", "limit 134217728"].join("\n"));
    expect(r.cgroups).toEqual({ cpu: "/pod-a/x", cpuacct: "/pod-a/x", memory: "/pod-a/x:y", "name=systemd": "/s", "": "/" });
    expect(r.memoryLimit).toBe(128 * 2 ** 20);
  });

  it("reads the limits of the pod's cgroup (the parent of the container's): v1 unlimited and -1 are none", () => {
    const [v1, v2] = parseProcessReports(["pid 7", "cgroup 4:memory:/pod-a/x", "pmem 9223372036854771712", "pcpu 50000",
      "pid 8", "cgroup 0::/pod.slice/pod-a.slice/docker-1.scope", "pmem 671088640", "pcpu max", ""].join("\n"));
    expect(v1.parentLimits).toEqual({ memoryBytes: null, cpuQuotaUs: 50000 });
    expect(v2.parentLimits).toEqual({ memoryBytes: 640 * 2 ** 20, cpuQuotaUs: null });
    expect(parseProcessReports("pid 9\npcpu -1\n")[0].parentLimits).toEqual({ memoryBytes: null, cpuQuotaUs: null });
  });

  it("reads a process's privileges from its status: effective capabilities, no_new_privs, seccomp mode", () => {
    const [r] = parseProcessReports(["pid 7", "status CapEff 00000000a80425fb", "status NoNewPrivs 1", "status Seccomp 2", ""].join("\n"));
    expect(r.security).toEqual({ capEff: "00000000a80425fb", noNewPrivs: true, seccomp: "filter" });
    expect(parseProcessReports("pid 8\n")[0].security).toBeUndefined();
  });

  it("compares privileges across platforms: a filter on docker and none on kubernetes is the unset profile's", () => {
    const pod = (platform: "docker" | "kubernetes", seccomp: "filter" | "disabled", capEff = "00000000a80425fb"): LivePod => {
      const c = (name: string) => ({ name, image: "x", pid: 1, inodes: {} as never, hostname: "foo", memoryCgroup: "/", memoryLimit: "max" as const, security: { capEff, noNewPrivs: false, seccomp } });
      return { platform, pod: "foo", sandbox: c("sandbox"), containers: [c("app")] };
    };
    expect(securityDifferences(pod("docker", "filter"), pod("kubernetes", "filter"))).toEqual([]);
    const [d] = securityDifferences(pod("docker", "filter"), pod("kubernetes", "disabled"));
    expect(d).toMatchObject({ path: "foo/app: seccomp", left: "filter", right: "disabled", expectedBecause: expect.stringContaining("no seccompProfile") });
    // The other way round only a profile the platforms disagree on gives: unexplained. So is a capability set.
    expect(securityDifferences(pod("docker", "disabled"), pod("kubernetes", "filter"))[0].expectedBecause).toBeUndefined();
    expect(securityDifferences(pod("docker", "filter"), pod("kubernetes", "filter", "0000000000000000"))).toEqual([
      { path: "foo/app: capabilities", left: "00000000a80425fb", right: "0000000000000000" },
    ]);
  });

  it("leaves out what a process that exited did not give, and says so when it is needed", () => {
    const [r] = parseProcessReports(["pid 99", "ns net:[1]", "hostname ", "limit ", ""].join("\n"));
    expect(r).toEqual({ pid: 99, inodes: undefined, cgroups: undefined, hostname: undefined, memoryLimit: undefined });
    expect(() => known(r, "inodes")).toThrow("cannot read the namespaces of process 99");
    expect(() => known(r, "memoryLimit")).toThrow("cannot read the memory limit of process 99");
  });

  it("reads this process on the local host as /proc shows it, and takes only process ids", async () => {
    const [r] = await processReports([process.pid]);
    expect(known(r, "inodes").net).toBe(/\[(\d+)\]/.exec(readlinkSync(`/proc/${process.pid}/ns/net`))![1]);
    const v2 = /^0::(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"));
    if (v2) expect(known(r, "cgroups")[""]).toBe(v2[1]);
    expect(known(r, "memoryLimit")).toSatisfy((l) => l === "max" || l > 0);
    await expect(processReports([1.5])).rejects.toThrow("1.5 is not a process id");
  });
});

describe("the environments of two live pods (compare --live)", () => {
  const pod = (platform: "docker" | "kubernetes") => ({ platform, pod: "foo" }) as LivePod;
  const env = (vars: Record<string, string>) => new Map([["app", vars]]);
  const nodes = { nodeNames: ["dockerhost", "podlab-node"] as [string, string] };

  it("finds the platforms' differences expected, and any other one unexpected, showing digests, never values", () => {
    const docker = env({ PATH: "/bin", NODE_NAME: "dockerhost", POD_IP: "172.17.0.3", ADDR: "172.17.0.3:8080", PASS: "s3cret" });
    const kube = env({ PATH: "/bin", NODE_NAME: "podlab-node", POD_IP: "10.88.0.7", ADDR: "10.88.0.7:8080", PASS: "other", KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_PORT_443_TCP_PROTO: "tcp" });
    const diffs = envDifferences(pod("docker"), pod("kubernetes"), [docker, kube], nodes);
    expect(diffs.map((d) => `${d.path} ${d.expectedBecause ? "expected" : "UNEXPECTED"}`)).toEqual([
      "foo/app: env ADDR expected", "foo/app: env KUBERNETES_PORT_443_TCP_PROTO expected", "foo/app: env KUBERNETES_SERVICE_HOST expected",
      "foo/app: env NODE_NAME expected", "foo/app: env PASS UNEXPECTED", "foo/app: env POD_IP expected",
    ]);
    expect(JSON.stringify(diffs)).not.toMatch(/s3cret|other/);
    expect(diffs.find((d) => d.path.endsWith("PASS"))!.left).toMatch(/^hmac:[0-9a-f]{8}$/);
    // A time is no address: 12:30:45 against 12:31:00 is a real difference.
    expect(envDifferences(pod("docker"), pod("kubernetes"), [env({ AT: "12:30:45" }), env({ AT: "12:31:00" })], nodes)[0].expectedBecause).toBeUndefined();
    // A Service variable on the docker side is no platform's: unexpected.
    expect(envDifferences(pod("docker"), pod("kubernetes"), [env({ KUBERNETES_SERVICE_HOST: "x" }), env({})], nodes)[0].expectedBecause).toBeUndefined();
  });
});
