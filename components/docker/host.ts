// Facts about the local Docker engine that decide how a pod is laid out on it.
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { CGROUP_DRIVERS, CgroupDriver } from "./cgroup";

/** Docker's cgroup driver, as `docker info` reports it. */
export function detectCgroupDriver(): CgroupDriver {
  let out: string;
  try {
    out = execFileSync("docker", ["info", "--format", "{{.CgroupDriver}}"], { encoding: "utf8" }).trim();
  } catch (err) {
    throw new pulumi.RunError(`podlab: cannot ask the Docker engine for its cgroup driver (is dockerd running? run 'npm run bootstrap'): ${(err as Error).message}`);
  }
  if (!CGROUP_DRIVERS.includes(out as CgroupDriver)) {
    throw new pulumi.RunError(`podlab: Docker reports cgroup driver ${JSON.stringify(out)}; podlab knows ${CGROUP_DRIVERS.join(" and ")}`);
  }
  return out as CgroupDriver;
}
