// `scripts/local-cluster up` on a running cluster restarts a component that no longer runs what it
// would start (other flags, a binary since replaced, another value of an `env` variable) and leaves the
// others alone. It restarts kube-scheduler here, so it runs with the suites that disturb the host.
import execa from "execa";
import { copyFileSync, readFileSync, readlinkSync, renameSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureCluster } from "../integration/cluster";

const TOP = resolve(__dirname, "../..");

describe("scripts/local-cluster up on a running cluster", () => {
  it("restarts a component whose binary was replaced (a rebuild), and only it", async () => {
    const cluster = await ensureCluster();
    expect(cluster.KUBECONFIG).toBeTruthy();
    // First as this podlab would start it all (a cluster started by an older one is restarted here).
    await execa("bash", ["scripts/local-cluster", "up"], { cwd: TOP });
    const pid = readFileSync(`${process.env.PODLAB_K8S_RUN ?? "/run/podlab-k8s"}/pids/kube-scheduler.pid`, "utf8").trim();
    const exe = readlinkSync(`/proc/${pid}/exe`);
    // A rebuild writes a new file in the binary's place: the running process keeps the old inode.
    copyFileSync(exe, `${exe}.new`);
    renameSync(`${exe}.new`, exe);
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(`${exe} (deleted)`);
    const up = await execa("bash", ["scripts/local-cluster", "up"], { cwd: TOP, all: true, reject: false });
    expect(up.exitCode, up.all).toBe(0);
    expect(up.all).toContain(`kube-scheduler runs (pid ${pid}) with a binary since replaced: restarting it`);
    for (const other of ["etcd", "containerd", "kube-apiserver", "kube-controller-manager", "kubelet"]) expect(up.all).toMatch(new RegExp(`${other} already runs`));
    expect(up.all).toContain("kube-scheduler healthy");
    // The next `up` finds it as it would start it.
    const again = await execa("bash", ["scripts/local-cluster", "up"], { cwd: TOP, all: true });
    expect(again.all).toContain("kube-scheduler already runs");
  }, 180_000);
});
