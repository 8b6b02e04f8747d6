import { byName, registered, valueOf } from "./mocks"; // mocks first
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cgroupParent } from "../../components/docker/cgroup";
import { DockerPod } from "../../components/docker/pod";
import { hostPathExists, onHost, readHostFile, shellQuote, sshHost, SshHost } from "../../components/docker/target";
import { checkVmArgs } from "../../playground/vm-args";
import { fooPod } from "./fixtures";

/** A key pair and a known_hosts file naming [127.0.0.1]:10022, made with ssh-keygen. */
function sshFiles() {
  const dir = mkdtempSync(join(tmpdir(), "podlab-ssh-test-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host")]);
  const hostKey = execFileSync("cut", ["-d", " ", "-f1,2", join(dir, "host.pub")], { encoding: "utf8" }).trim();
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:10022 ${hostKey}\n`);
  return { dir, hostKey, identityFile: join(dir, "id"), knownHostsFile: join(dir, "known_hosts") };
}

describe("podlab:dockerHost", () => {
  let f: ReturnType<typeof sshFiles>;
  beforeAll(() => { f = sshFiles(); });
  const host = (extra: Record<string, unknown> = {}) => ({ url: "ssh://root@127.0.0.1:10022", identityFile: f.identityFile, knownHostsFile: f.knownHostsFile, ...extra });

  it("reads the url and finds the pinned host key in known_hosts", () => {
    const h = sshHost(host());
    expect(h).toMatchObject({ user: "root", host: "127.0.0.1", port: 10022, hostKey: f.hostKey, identityFile: f.identityFile });
  });

  it("refuses bad values, naming the field", () => {
    expect(() => sshHost(host({ url: "tcp://127.0.0.1:2375" }))).toThrow('podlab:dockerHost.url: "tcp://127.0.0.1:2375" is not ssh://user@host[:port]');
    expect(() => sshHost(host({ url: "ssh://root@127.0.0.1:70000" }))).toThrow('podlab:dockerHost.url: "ssh://root@127.0.0.1:70000" has a port outside 1-65535');
    expect(() => sshHost(host({ url: "ssh://root@h;rm -rf /" }))).toThrow("is not ssh://user@host[:port]");
    expect(() => sshHost(host({ identityFile: "/nonexistent/id" }))).toThrow('podlab:dockerHost.identityFile: "/nonexistent/id" does not exist');
    expect(() => sshHost(host({ port: 22 }))).toThrow("podlab:dockerHost.port: 22 is not a field of podlab:dockerHost");
    expect(() => sshHost(host({ url: "ssh://root@127.0.0.1:10023" }))).toThrow(/podlab:dockerHost.knownHostsFile: ".*known_hosts" has no key for 127.0.0.1 port 10023: podlab pins host keys/);
  });

  it("says a host it cannot reach is unreachable, not that its file is missing", () => {
    // Nothing listens on port 1: ssh itself fails (exit 255), before any remote command runs.
    const gone = { ...sshHost(host()), port: 1, url: "ssh://root@127.0.0.1:1" };
    expect(() => readHostFile(gone, "/proc/self/mountinfo")).toThrow(/^cannot reach ssh:\/\/root@127\.0\.0\.1:1 over SSH: .*Connection refused/);
    expect(() => hostPathExists(gone, "/")).toThrow(/^cannot reach ssh:\/\/root@127\.0\.0\.1:1 over SSH/);
    expect(readHostFile(undefined, "/nonexistent/file")).toBeUndefined();
  });

  it("runs commands through ssh with the host key pinned, each word quoted", () => {
    const h: SshHost = sshHost(host());
    const [file, args] = onHost(h, ["cat", "/proc/1/cgroup", "it's $(here)"]);
    expect(file).toBe("ssh");
    expect(args).toEqual(expect.arrayContaining(["StrictHostKeyChecking=yes", `UserKnownHostsFile=${f.knownHostsFile}`, "-i", f.identityFile, "-p", "10022", "root@127.0.0.1"]));
    expect(args.at(-1)).toBe(`cat /proc/1/cgroup 'it'\\''s $(here)'`);
    expect(execFileSync("sh", ["-c", `printf %s ${shellQuote("it's $(here)")}`], { encoding: "utf8" })).toBe("it's $(here)");
    expect(onHost(undefined, ["docker", "ps"])).toEqual(["docker", ["ps"]]);
  });
});

describe("a pod on an SSH host", () => {
  let f: ReturnType<typeof sshFiles>;
  beforeAll(() => { f = sshFiles(); });
  beforeEach(() => { registered.length = 0; });

  it("runs its cgroup and readiness commands on the host as remote commands, over the pinned key", async () => {
    const target = sshHost({ url: "ssh://root@127.0.0.1:10022", identityFile: f.identityFile, knownHostsFile: f.knownHostsFile, instance: "vm-1" });
    const pod = new DockerPod("foo", { manifest: fooPod(), sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", cgroupDriver: "systemd", target });
    await Promise.all([valueOf(pod.layout), valueOf(pod.ready!.id)]);
    const cg = byName("foo-cgroup")!;
    expect(cg.type).toBe("command:remote:Command");
    // The connection holds the private key: it is secret as a whole.
    expect(cg.inputs.connection["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(cg.inputs.connection.value).toMatchObject({ host: "127.0.0.1", port: 10022, user: "root", hostKey: f.hostKey });
    // The script runs under bash whatever the login shell; values only in the environment.
    expect(cg.inputs.create).toBe(`bash -c 'exec bash -c "$PODLAB_SCRIPT" cgroup.sh create'`);
    expect(cg.inputs.environment).toMatchObject({ PODLAB_POD: "foo", PODLAB_CGROUP: "pod-foo.slice", PODLAB_CGROUP_DRIVER: "systemd" });
    expect(byName("foo-ready")!.type).toBe("command:remote:Command");
    // Another machine at the same address (a VM made again) makes the commands run there again.
    expect(cg.inputs.triggers.at(-1)).toBe(`ssh://root@127.0.0.1:10022 ${f.hostKey} vm-1`);
  });
});

describe("systemd slice names", () => {
  it("escapes a dash in the pod's name, so that web-canary is not nested in web (systemd.slice(5))", () => {
    expect(cgroupParent("web", "systemd")).toBe("pod-web.slice");
    expect(cgroupParent("web-canary", "systemd")).toBe("pod-web_canary.slice");
    expect(cgroupParent("web-canary", "cgroupfs")).toBe("/pod-web-canary");
  });
});

describe("podlab:vm", () => {
  it("defaults to the walkthrough's box", () => {
    expect(checkVmArgs("playground", {})).toEqual({ cpus: 2, memoryMiB: 2048, accel: "tcg", sshPort: 0, bootTimeoutSeconds: 300 });
  });

  it("refuses bad settings, naming the field", () => {
    expect(() => checkVmArgs("playground", { cpus: 0 })).toThrow("podlab:vm.cpus: 0 is not an integer from 1 to 64");
    expect(() => checkVmArgs("playground", { memoryMiB: 2.5 })).toThrow("podlab:vm.memoryMiB: 2.5 is not an integer from 512 to 262144");
    expect(() => checkVmArgs("playground", { accel: "hvf" })).toThrow('podlab:vm.accel: "hvf" is not tcg or kvm');
    expect(() => checkVmArgs("playground", { sshPort: 22 })).toThrow("podlab:vm.sshPort: 22 is not 0 (pick a free port) or from 1024 to 65535");
    expect(() => checkVmArgs("playground", { bootTimeout: "soon" })).toThrow('podlab:vm.bootTimeout: "soon" is not a duration such as 90s, 10m or 1h');
    expect(() => checkVmArgs("playground", { disk: "8G" } as any)).toThrow('podlab:vm.disk: "8G" is not a setting of the VM');
    expect(() => checkVmArgs("Play_ground", {})).toThrow('podlab:vm name: "Play_ground" is not a DNS label');
  });
});
