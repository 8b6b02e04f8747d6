// `npx tsx scripts/inspect.ts STACK`: reads the stack's pods from its outputs, then what the live
// host runs for each: namespaces by inode, memory cgroup and the limit the kernel enforces.
import execa from "execa";
import { PodLayout } from "../components/model/layout";
import { liveDockerPod } from "../host/live";
import { liveTable } from "../host/view";

async function main(stack: string) {
  const { stdout } = await execa("pulumi", ["stack", "output", "layouts", "--json", "--stack", stack]);
  const layouts: PodLayout[] = JSON.parse(stdout);
  for (const layout of layouts) {
    if (layout.platform !== "docker") throw new Error(`stack ${stack} is not a docker-host stack`);
    console.log(liveTable(`pod ${layout.pod} on docker, cgroup parent ${layout.cgroupParent}`, await liveDockerPod(layout.pod)));
  }
}

main(process.argv[2] ?? "docker-host").catch((err) => {
  console.error(`inspect: ${err.message}`);
  process.exit(1);
});
