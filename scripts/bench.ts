// `npm run bench`: the time of `pulumi up`, a no-change `pulumi preview` and `pulumi destroy` of the
// docker-host stack, for 1 and for 10 pods, against the walkthrough's plain commands for the same
// pods (cgcreate, docker run --cgroup-parent --network container: --ipc container:, docker rm,
// cgdelete). One run on one machine: read the ratios, not the absolute times. Then, on one pod, the time
// from its sandbox's death (pause killed with SIGKILL) to a whole pod again, ten times.
import execa from "execa";
import { PodArgs } from "../components/model/pod-spec";
import { waitWhole, wholePod } from "../host/whole";
import { ScratchStack } from "./lib/scratch-stack";

const tag = Math.random().toString(36).slice(2, 6);

function pods(n: number): PodArgs[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `bench${tag}n${n}p${i}`,
    containers: [
      { name: "app", image: "podlab/httpbin:0.1", command: ["gunicorn", "--bind", "0.0.0.0:80", "httpbin:app"], ports: [{ containerPort: 80 }], memory: "256Mi" },
      { name: "sidecar", image: "podlab/curl:0.1", command: ["sleep", "infinity"], memory: "128Mi" },
    ],
  }));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const controllers = "cpu,cpuacct,cpuset,memory,pids,blkio,devices,freezer";

/** The walkthrough's commands, one pod after another, as a shell script would run them. */
const cli = {
  async up(ps: PodArgs[]) {
    for (const p of ps) {
      await execa("cgcreate", ["-g", `${controllers}:/pod-${p.name}`]);
      const parent = `/pod-${p.name}`;
      await execa("docker", ["run", "-d", "--name", `${p.name}-sandbox`, "--hostname", p.name, "--ipc", "shareable", "--cgroup-parent", parent, "podlab/pause:0.1"]);
      const join = [`--network`, `container:${p.name}-sandbox`, `--ipc`, `container:${p.name}-sandbox`, "--cgroup-parent", parent];
      await execa("docker", ["run", "-d", "--name", `${p.name}-app`, ...join, "-m", "256m", "podlab/httpbin:0.1", "gunicorn", "--bind", "0.0.0.0:80", "httpbin:app"]);
      await execa("docker", ["run", "-d", "--name", `${p.name}-sidecar`, ...join, "-m", "128m", "podlab/curl:0.1", "sleep", "infinity"]);
    }
  },
  /** The nearest thing to a no-change preview: read back every container's state. */
  async check(ps: PodArgs[]) {
    await execa("docker", ["inspect", ...ps.flatMap((p) => [`${p.name}-sandbox`, `${p.name}-app`, `${p.name}-sidecar`])]);
  },
  async down(ps: PodArgs[]) {
    for (const p of ps) {
      await execa("docker", ["rm", "-f", `${p.name}-app`, `${p.name}-sidecar`]);
      await execa("docker", ["rm", "-f", `${p.name}-sandbox`]);
      await execa("cgdelete", ["-g", `${controllers}:/pod-${p.name}`]);
      // runc also made the parent in the hierarchies cgcreate was not asked for.
      await execa("find", ["/sys/fs/cgroup", "-maxdepth", "2", "-type", "d", "-name", `pod-${p.name}`, "-exec", "rmdir", "{}", "+"]);
    }
  },
};

async function bench(n: number) {
  const ps = pods(n);
  const stack = await ScratchStack.create(`bench-${tag}-${n}`, { platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods: ps });
  try {
    const pulumi = {
      up: await timed(() => stack.up()),
      preview: await timed(() => stack.pulumi("preview", "--expect-no-changes")),
      destroy: await timed(() => stack.destroy()),
    };
    const plain = { up: await timed(() => cli.up(ps)), preview: await timed(() => cli.check(ps)), destroy: await timed(() => cli.down(ps)) };
    return { n, pulumi, plain };
  } finally {
    await stack.dispose();
  }
}

/** Seconds from killing the sandbox's pause process to every member running inside the new sandbox. */
async function recovery(times: number): Promise<number[]> {
  const [p] = pods(1).map((x) => ({ ...x, name: `${x.name}r` }));
  const stack = await ScratchStack.create(`bench-${tag}-r`, { platform: "docker", cgroupDriver: "auto", sandboxImage: "podlab/pause:0.1", agentImage: "podlab/agent:0.1", pods: [p] });
  try {
    await stack.up();
    const took: number[] = [];
    for (let i = 0; i < times; i++) {
      await waitWhole(p.name, ["app", "sidecar"], 30);
      const pid = (await wholePod(p.name, ["app", "sidecar"])).sandbox.pid;
      const t0 = Date.now();
      process.kill(pid, "SIGKILL");
      // Until the old sandbox is gone, the pod still looks whole.
      while ((await wholePod(p.name, ["app", "sidecar"]).catch(() => undefined))?.sandbox.pid === pid) await new Promise((r) => setTimeout(r, 50));
      await waitWhole(p.name, ["app", "sidecar"], 30);
      took.push((Date.now() - t0) / 1000);
    }
    return took;
  } finally {
    await stack.dispose();
  }
}

async function main() {
  console.log("pods  step     pulumi    plain CLI   ratio");
  for (const n of [1, 10]) {
    const r = await bench(n);
    for (const step of ["up", "preview", "destroy"] as const) {
      const [p, c] = [r.pulumi[step], r.plain[step]];
      console.log(`${String(n).padStart(4)}  ${step.padEnd(8)} ${p.toFixed(2).padStart(6)}s  ${c.toFixed(2).padStart(8)}s  ${(p / c).toFixed(1).padStart(5)}x`);
    }
  }
  console.log("(preview for the plain CLI: one `docker inspect` of every container)");
  const took = (await recovery(10)).sort((a, b) => a - b);
  console.log(`sandbox killed -> pod whole again, 10 times: median ${((took[4] + took[5]) / 2).toFixed(2)}s, min ${took[0].toFixed(2)}s, max ${took[9].toFixed(2)}s`);
}

main().catch((err) => {
  console.error(`bench: ${err.message}\n${err.all ?? ""}`);
  process.exit(1);
});
