// The walkthrough's views (`--lsns`, `--cgls`) from a fixed reading of /proc and /sys/fs/cgroup: what
// pod-processes.ts's script prints for a pod with a sandbox and two members, one with two processes.
import { describe, expect, it } from "vitest";
import { parsePodProcesses } from "../../host/pod-processes";
import { cglsView, lsnsView, namespaceRows, usagePhrase } from "../../host/walkthrough-views";

const ns = (net: string, ipc: string, uts: string, pid: string, mnt: string) =>
  [`ns cgroup:[4026531835]`, `ns ipc:[${ipc}]`, `ns mnt:[${mnt}]`, `ns net:[${net}]`, `ns pid:[${pid}]`, `ns time:[4026531834]`, `ns user:[4026531837]`, `ns uts:[${uts}]`].join("\n");
const ID = "a".repeat(64);
const OUTPUT = [
  "container sandbox /pod-foo/" + ID,
  "usage 9223372036854771712 290816 -1 100000",
  "proc 100", ns("4026532300", "4026532299", "4026532298", "4026532301", "4026532297"), "cmd /pause ", "comm pause",
  "container app /pod-foo/bbbb",
  "usage 268435456 20971520 50000 100000",
  "proc 130", ns("4026532300", "4026532299", "4026532310", "4026532311", "4026532309"), "cmd gunicorn --bind 0.0.0.0:80 httpbin:app ", "comm gunicorn",
  "proc 131", ns("4026532300", "4026532299", "4026532310", "4026532311", "4026532309"), "cmd ", "comm gunicorn",
  "container sidecar /pod-foo/cccc",
  "usage max 1048576 max 100000",
  "proc 120", ns("4026532300", "4026532299", "4026532320", "4026532321", "4026532319"), "cmd sleep infinity ", "comm sleep",
  "pod /pod-foo",
  "usage 536870912 22478848 150000 100000",
  "host cgroup:[4026531835]", "host ipc:[4026531839]", "host mnt:[4026531841]", "host net:[4026531840]", "host pid:[4026531836]", "host time:[4026531834]", "host user:[4026531837]", "host uts:[4026531838]",
].join("\n");

describe("the walkthrough's views", () => {
  const p = parsePodProcesses(OUTPUT);

  it("reads each process, its namespaces and command line, and each cgroup's limits and use", () => {
    expect(p.processes.map((x) => [x.container, x.pid, x.command])).toEqual([
      ["sandbox", 100, "/pause"], ["app", 130, "gunicorn --bind 0.0.0.0:80 httpbin:app"], ["app", 131, "[gunicorn]"], ["sidecar", 120, "sleep infinity"],
    ]);
    expect(p.processes[1].ns).toMatchObject({ net: "4026532300", uts: "4026532310" });
    expect(p.cgroups.app).toEqual({ path: "/pod-foo/bbbb", memoryLimit: 268435456, memoryCurrent: 20971520, cpuQuotaUs: 50000, cpuPeriodUs: 100000 });
    // No limit: v1's largest page-aligned value and -1, v2's "max".
    expect(p.cgroups.sandbox).toMatchObject({ memoryLimit: null, cpuQuotaUs: null });
    expect(p.cgroups.sidecar).toMatchObject({ memoryLimit: null, memoryCurrent: 1048576, cpuQuotaUs: null });
    expect(p.podCgroup).toEqual({ path: "/pod-foo", memoryLimit: 536870912, memoryCurrent: 22478848, cpuQuotaUs: 150000, cpuPeriodUs: 100000 });
    expect(p.host.net).toBe("4026531840");
  });

  it("lists each namespace once, as lsns does, with the pod's process count, lowest PID and holder", () => {
    const rows = namespaceRows(p);
    const net = rows.find((r) => r.type === "net")!;
    expect(net).toEqual({ ns: "4026532300", type: "net", nprocs: 4, pid: 100, command: "/pause", holder: "sandbox", containers: ["sandbox", "app", "sidecar"] });
    // The app's own UTS namespace: made for it, held by it; its lowest PID is its main process.
    expect(rows.find((r) => r.ns === "4026532310")).toMatchObject({ type: "uts", nprocs: 2, pid: 130, holder: "app", containers: ["app"] });
    // The host's own namespaces: the pod did not get one of its own.
    expect(rows.find((r) => r.type === "user")).toMatchObject({ ns: "4026531837", holder: "host", nprocs: 4 });
    expect(rows.map((r) => Number(r.ns))).toEqual([...rows.map((r) => Number(r.ns))].sort((a, b) => a - b));
    const text = lsnsView("pod foo", p);
    expect(text.split("\n")[1]).toMatch(/^NS\s+TYPE\s+NPROCS\s+PID\s+COMMAND\s+HOLDER\s+CONTAINERS/);
    expect(text).toMatch(/4026532300\s+net\s+4\s+100\s+\/pause\s+sandbox\s+sandbox,app,sidecar/);
  });

  it("keeps lsns's lowest PID and the holder right after the PID counter wrapped", () => {
    // The sandbox started at 32700, the app's worker after the counter wrapped: its PID is the lowest.
    const wrapped = parsePodProcesses(OUTPUT.replace("proc 100", "proc 32700").replace("proc 131", "proc 7"));
    const rows = namespaceRows(wrapped);
    expect(rows.find((r) => r.type === "net")).toMatchObject({ pid: 7, command: "[gunicorn]", holder: "sandbox" });
    expect(rows.find((r) => r.ns === "4026532310")).toMatchObject({ pid: 7, holder: "app" });
    // Two members in one namespace without the sandbox (the sidecar joined app's UTS one): the first in
    // the pod's order holds it, whatever their PIDs.
    const shared = parsePodProcesses(OUTPUT.replace(`proc 120\n${ns("4026532300", "4026532299", "4026532320", "4026532321", "4026532319")}`,
      `proc 90\n${ns("4026532300", "4026532299", "4026532310", "4026532321", "4026532319")}`));
    expect(namespaceRows(shared).find((r) => r.ns === "4026532310")).toMatchObject({ pid: 90, holder: "app", containers: ["app", "sidecar"] });
  });

  it("draws the pod's cgroup tree as systemd-cgls does, with each level's limits and use", () => {
    expect(usagePhrase(p.podCgroup)).toBe("memory 512Mi limit, 21.4Mi in use; cpu 1500m limit");
    expect(cglsView("pod foo", p).split("\n")).toEqual([
      "pod foo",
      "Control group /pod-foo (memory 512Mi limit, 21.4Mi in use; cpu 1500m limit):",
      "├─aaaaaaaaaaaa… [sandbox] (memory no limit, 0.3Mi in use; cpu no limit)",
      "│ └─100 /pause",
      "├─bbbb [app] (memory 256Mi limit, 20Mi in use; cpu 500m limit)",
      "│ ├─130 gunicorn --bind 0.0.0.0:80 httpbin:app",
      "│ └─131 [gunicorn]",
      "└─cccc [sidecar] (memory no limit, 1Mi in use; cpu no limit)",
      "  └─120 sleep infinity",
    ]);
  });
});
