// The docker-host stack's pods, from stack config (see components/stack.ts, which loads this module
// only for the docker platform).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource, StackInput } from "../stack";
import { PodLayout } from "../model/layout";
import { PodSpec } from "../model/pod-spec";
import { checkImage, minReadySeconds, PodSpecError, readyTimeoutSeconds } from "../model/validate";
import { CGROUP_DRIVERS, CgroupDriver } from "./cgroup";
import { boundPorts, checkClaimsLost, checkClaimVolumes, checkHostPaths, checkHostPorts, checkPodNames, detectCgroupDriver, hostFacts, inspectImages, localImageIds, remoteImageIds } from "./host";
import { mkdirSync } from "node:fs";
import { hostPathExists, readHostFile, sshControlDir, sshHost, DockerHostConfig, DockerTarget, SshHost, sshOptions } from "./target";
import { claimRecordFile } from "./paths";
import { StackImages } from "./images";
import { DockerPod, stackIdentity } from "./pod";
import { agentContainerName, DockerAgent } from "./agent";
import { LABEL_STACK } from "../model/labels";
import { usesEnvExec } from "./env-exec";
import { DockerClaim } from "./claims";
import { hostSecurityProfiles } from "./security-profiles";

/**
 * podlab:cgroupDriver: "auto" (the default) takes the engine's; an explicit driver must be the
 * engine's too, since Docker places containers by its own driver whatever podlab asks (a systemd
 * slice on a cgroupfs engine fails only after the old pod is gone). Throws a PodSpecError.
 */
export function cgroupDriver(config: ConfigSource, engine: () => CgroupDriver = () => detectCgroupDriver()): CgroupDriver {
  const value = cgroupDriverSetting(config);
  const actual = engine();
  if (value !== "auto" && value !== actual) {
    throw new PodSpecError("podlab:cgroupDriver", value, `is not the Docker engine's cgroup driver, ${JSON.stringify(actual)} (docker info): set auto or ${actual}`);
  }
  return actual;
}

/** podlab:cgroupDriver as set: "auto" when unset. Throws a PodSpecError for another value. */
export function cgroupDriverSetting(config: ConfigSource): string {
  const value = config.get("cgroupDriver") ?? "auto";
  if (value !== "auto" && !CGROUP_DRIVERS.includes(value as CgroupDriver)) {
    throw new PodSpecError("podlab:cgroupDriver", value, "is not auto, cgroupfs or systemd");
  }
  return value;
}

/**
 * podlab:dockerHost: unset for the local engine; else {url: ssh://user@host[:port], identityFile,
 * knownHostsFile}, given in config or read from the playground stack's outputs (index.ts resolves
 * {stack: NAME}). Throws a PodSpecError naming the field.
 */
export function dockerTarget(config: ConfigSource, resolved?: DockerHostConfig): DockerTarget {
  const value = resolved ?? config.getObject<DockerHostConfig>("dockerHost");
  return value === undefined ? undefined : sshHost(value);
}

/** The docker provider for an SSH host: Docker's own SSH transport, with the host key pinned. */
export function dockerProvider(h: SshHost): docker.Provider {
  mkdirSync(sshControlDir(), { recursive: true, mode: 0o700 });
  return new docker.Provider("docker-host", { host: `ssh://${h.user}@${h.host}:${h.port}`, sshOpts: sshOptions(h) });
}

/**
 * Every pod of the input as a DockerPod, on the local engine or the SSH host `dockerHost` names;
 * returns their layouts. Before the first resource, it checks what only the host can say: the cgroup
 * driver, that every image is on the engine (its ID is pinned, so an image rebuilt under the same tag
 * reaches the pod; for a remote host, images the local engine has are copied), and that no host port
 * is taken. The engine is asked once, in parallel requests (hostFacts), after the config's own checks.
 */
export async function dockerStack(config: ConfigSource, input: StackInput, dockerHost?: DockerHostConfig): Promise<pulumi.Output<PodLayout[]>> {
  const sandboxImage = config.get("sandboxImage") ?? "podlab/pause:0.1";
  const agentImage = config.get("agentImage") ?? "podlab/agent:0.1";
  const readyTimeout = config.get("readyTimeout");
  checkImage("podlab:sandboxImage", sandboxImage);
  checkImage("podlab:agentImage", agentImage);
  const readyTimeoutS = readyTimeoutSeconds("podlab:readyTimeout", readyTimeout);
  const minReady = minReadySeconds("podlab:minReadySeconds", config.get("minReadySeconds"), readyTimeoutS);
  const target = dockerTarget(config, dockerHost);
  cgroupDriverSetting(config);
  const pods = input.pods.map((p, i) => ({ spec: p.spec, source: input.manifests.pods[i].source }));
  const uses = [
    { ref: sandboxImage, where: "podlab:sandboxImage" },
    { ref: agentImage, where: "podlab:agentImage" },
    ...pods.flatMap(({ spec, source }) => [
      ...spec.initContainers.map((c, i) => ({ ref: c.image, where: `${source}: spec.initContainers[${i}].image (after podlab:images)` })),
      ...spec.containers.map((c, i) => ({ ref: c.image, where: `${source}: spec.containers[${i}].image (after podlab:images)` })),
    ]),
  ];
  // A remote host's images are looked up on both engines (remoteImageIds), not here.
  const facts = await hostFacts(target, target ? [] : uses.map((u) => u.ref));
  const driver = cgroupDriver(config, () => facts.cgroupDriver);
  const { ids: imageIds, copy } = target ? remoteImageIds(uses, target) : { ids: localImageIds(uses, undefined, facts.imageIds), copy: [] };
  // env-exec's images (env-exec.ts): a remote host's copied ones are as the local engine has them.
  const needDefaults = pods.flatMap(({ spec }) => [...spec.initContainers, ...spec.containers].filter((c) => usesEnvExec(c) && !c.command.length).map((c) => c.image));
  // A reboot empties the tmpfs of env files and of secret, projected and memory-backed volumes: their
  // commands are told the boot, so that the next `up` writes them again.
  const onTmpfs = (spec: PodSpec) => [...spec.initContainers, ...spec.containers].some(usesEnvExec)
    || spec.volumes.some((v) => "secret" in v || "projected" in v || ("emptyDir" in v && v.emptyDir.medium === "Memory"));
  const bootId = pods.some(({ spec }) => onTmpfs(spec)) ? readHostFile(target, "/proc/sys/kernel/random/boot_id")?.trim() : undefined;
  const imageDefaults = !target ? facts.imageDefaults : new Map([
    ...inspectImages(needDefaults.filter((r) => copy.includes(r))).defaults, ...inspectImages(needDefaults.filter((r) => !copy.includes(r)), target).defaults]);
  checkPodNames(pods, facts.owners, stackIdentity());
  checkClaimVolumes(input.claims, facts.claimVolumes, stackIdentity());
  checkClaimsLost(input.claims, facts.claimVolumes, stackIdentity(), (claim) => readHostFile(target, claimRecordFile(claim)));
  checkHostPorts(pods, facts.published, () => boundPorts(target));
  checkHostPaths(pods, (p) => hostPathExists(target, p));
  const seccompProfiles = hostSecurityProfiles(pods, target);
  for (const p of input.pods) {
    for (const field of p.kubernetesOnly) pulumi.log.info(`pod ${p.spec.name}: ${field} is Kubernetes-only, left out on the docker platform (see the README's support table)`);
  }
  const opts = target ? { providers: { docker: dockerProvider(target) } } : undefined;
  const stackImages = new StackImages("images", opts, "", imageIds, target ? { host: target, refs: copy } : undefined);
  // Claims are the stack's, not a pod's: replacing a pod leaves its claims' volumes as they are.
  const claims = input.claims.map((claim) => new DockerClaim(claim.name, { claim, stack: stackIdentity(), holderImage: stackImages.get(sandboxImage).imageId, target }, opts));
  const made = input.manifests.pods.map((m) => new DockerPod(m.pod.metadata!.name!, {
    manifest: m.pod, source: m.source, imageOverrides: input.images, configMaps: input.manifests.configMaps, secrets: input.manifests.secrets,
    claims: input.manifests.claims, claimVolumes: claims.map((c) => c.volume), seccompProfiles,
    sandboxImage, agentImage, readyTimeout, minReadySeconds: minReady, cgroupDriver: driver, stackImages, target, agent: "stack", node: facts.node, imageDefaults, bootId,
  }, opts));
  // One agent keeps every pod of the stack on this host, as the kubelet is one per node.
  new DockerAgent("agent", {
    pods: made.map((p) => ({ spec: p.spec, parts: p.parts })),
    image: stackImages.get(agentImage).imageId, cgroupDriver: driver,
    containerName: agentContainerName(pulumi.getProject(), pulumi.getStack()),
    readyTimeoutSeconds: readyTimeoutS, minReadySeconds: minReady, target,
    labels: { [LABEL_STACK]: stackIdentity() },
  }, opts);
  return pulumi.all(made.map((p) => p.layout));
}
