// Whether a docker-host pod is whole: every member running inside its sandbox's current network and
// IPC namespaces, by /proc inode, on the target host (the local engine by default). Used by the
// runtime tests and the benchmark's recovery timing.
import { DockerTarget } from "../components/docker/target";
import { docker, inspectContainers, LiveContainer } from "./docker";
import { splitMembers } from "./live";
import { known, processReports } from "./proc";

export interface WholePod {
  sandbox: LiveContainer;
  members: Record<string, LiveContainer>;
  net: string;
  ipc: string;
}

/**
 * Throws (saying what is wrong) unless every member runs in the sandbox's net and IPC namespaces, on
 * the target host.
 */
export async function wholePod(pod: string, members: string[], target?: DockerTarget): Promise<WholePod> {
  // By name (<pod>-sandbox, <pod>-<member>), so the benchmark can check pods made by other tools too.
  const { stdout } = await docker(target, ["ps", "-aq", "--no-trunc", ...[`${pod}-sandbox`, ...members.map((m) => `${pod}-${m}`)].flatMap((n) => ["--filter", `name=^/${n}$`])]);
  const cs = await inspectContainers(stdout.split("\n").filter(Boolean), target);
  const sandbox = cs.find((c) => c.name === `${pod}-sandbox`);
  if (!sandbox?.running) throw new Error(`${pod}-sandbox is not running`);
  const out: WholePod = { sandbox, members: {}, net: "", ipc: "" };
  for (const m of members) {
    const c = cs.find((x) => x.name === `${pod}-${m}`);
    if (!c?.running) throw new Error(`${pod}-${m} is not running`);
    out.members[m] = c;
  }
  const [sb, ...inodes] = (await processReports([sandbox, ...members.map((m) => out.members[m])].map((c) => c.pid), target)).map((r) => known(r, "inodes"));
  [out.net, out.ipc] = [sb.net, sb.ipc];
  const split = splitMembers({
    sandbox: { name: "sandbox", inodes: sb },
    containers: members.map((m, i) => ({ name: m, inodes: inodes[i] })),
  });
  if (split.length) throw new Error(`pod ${pod} is split: ${split.join("; ")}`);
  return out;
}

/** Polls until the pod is whole on the target host; returns it and the seconds it took. Fails after `seconds`. */
export async function waitWhole(pod: string, members: string[], seconds = 30, target?: DockerTarget): Promise<WholePod & { took: number }> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < seconds * 1000) {
    try {
      return { ...(await wholePod(pod, members, target)), took: (Date.now() - t0) / 1000 };
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`pod ${pod} was not whole within ${seconds}s: ${(last as Error).message}`);
}

