// Reads the stack's config and makes its pods on the configured platform. Everything is validated
// before the first resource is registered. Each platform's module is loaded only when the stack
// uses it: @pulumi/kubernetes alone takes about a second to load, which a docker-host preview
// need not pay.
import * as pulumi from "@pulumi/pulumi";
import { checkClaimUse, ClaimSpec, claimSpecs } from "./model/claims";
import { FromManifest, podSpecFromManifest } from "./model/from-manifest";
import { imageOverrides, ImageOverride } from "./model/image-overrides";
import { PodLayout } from "./model/layout";
import { addSecretManifests, loadManifests, Manifests } from "./model/manifest";
import { PodSpecError } from "./model/validate";
import type { DockerHostConfig } from "./docker/target";

const PLATFORMS = ["docker", "kubernetes"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Config is read through this narrow interface, so tests can hand in plain values. */
export interface ConfigSource {
  get(key: string): string | undefined;
  getObject<T>(key: string): T | undefined;
  /** Whether a key's value is a secret (set with --secret); unset: asked of the Pulumi runtime. */
  isSecret?(key: string): boolean;
}

/** The Pulumi runtime's record of which config values are secrets (PULUMI_CONFIG_SECRET_KEYS). */
function runtimeIsSecret(key: string): boolean {
  const runtime = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret?.(`podlab:${key}`) ?? false;
}

/**
 * podlab:manifests as loadManifests takes it: a list of files (`pulumi config set --path
 * 'podlab:manifests[0]' pods/foo.yaml`), or one file as a plain string (`pulumi config set
 * podlab:manifests pods/foo.yaml`, which Pulumi stores as a string, not a list).
 */
export function manifestFiles(config: ConfigSource): unknown {
  const raw = config.get("manifests");
  return raw !== undefined && !/^\s*[[{"]/.test(raw) ? [raw] : config.getObject("manifests");
}

/** The stack's pods, read and checked: the manifests, the image overrides and each pod's model. */
export interface StackInput {
  manifests: Manifests;
  images: ImageOverride[];
  pods: FromManifest[];
  /** The docker platform's reading of the PersistentVolumeClaims (claims.ts); none on Kubernetes, whose cluster reads them. */
  claims: ClaimSpec[];
}

/**
 * Reads `podlab:manifests` (files of Kubernetes Pod, ConfigMap, Secret, PersistentVolumeClaim and
 * StorageClass manifests, relative to
 * `baseDir`, the project's directory), `podlab:secrets` (Secret manifests kept as a secret in the stack
 * config) and `podlab:images` (kustomize-style overrides), and checks every pod for
 * `platform`. Throws a PodSpecError naming the file, the object and the field.
 */
export function readStackInput(config: ConfigSource, platform: Platform, baseDir: string): StackInput {
  const images = imageOverrides(config.getObject("images"));
  const manifests = loadManifests(manifestFiles(config), baseDir);
  // Secrets may come from stack config too, kept encrypted there: podlab:secrets, set with --secret.
  const secretText = config.get("secrets");
  if (secretText !== undefined) {
    if (!(config.isSecret ?? runtimeIsSecret)("secrets")) {
      throw PodSpecError.plain("podlab:secrets", "is not a secret: set it with `pulumi config set --secret podlab:secrets \"$(cat secrets.yaml)\"` (and take the plain value out of the stack's file)");
    }
    addSecretManifests(secretText, "podlab:secrets", manifests);
  }
  const claims = platform === "docker" ? claimSpecs(manifests.claims, manifests.storageClasses) : [];
  const pods = manifests.pods.map((m) => podSpecFromManifest(m.pod, m.source, { images, configMaps: manifests.configMaps, secrets: manifests.secrets, claims: manifests.claims, platform }));
  if (platform === "docker") checkClaimUse(claims, pods.map((p, i) => ({ spec: p.spec, source: manifests.pods[i].source })));
  return { manifests, images, pods, claims };
}

export interface StackPods {
  layouts: pulumi.Output<PodLayout[]>;
  /** The docker-host stack's remote host (podlab:dockerHost), for the live views; unset when local. */
  dockerHost?: DockerHostConfig;
}

/**
 * The stack's pods on its platform. `dockerHost` is podlab:dockerHost already resolved (index.ts reads
 * {stack: NAME} from the playground stack); without it, the config's own value is used.
 */
export async function stackPods(config: ConfigSource, baseDir = process.cwd(), dockerHost?: DockerHostConfig): Promise<StackPods> {
  const platform = config.get("platform");
  if (!PLATFORMS.includes(platform as Platform)) {
    throw new PodSpecError("podlab:platform", platform, `is not one of ${PLATFORMS.join(", ")}`);
  }
  const input = readStackInput(config, platform as Platform, baseDir);
  // What the API server would say on creating each Pod (deprecated fields, odd values), on both stacks.
  for (const m of input.manifests.pods) for (const w of m.warnings ?? []) pulumi.log.warn(`${m.source}: ${w} (the Kubernetes API server's warning)`);
  for (const p of input.pods) for (const w of p.warnings) pulumi.log.warn(w);
  if (platform === "docker") {
    const { dockerStack } = require("./docker/stack") as typeof import("./docker/stack");
    const host = dockerHost ?? config.getObject<DockerHostConfig>("dockerHost");
    return { layouts: await dockerStack(config, input, host), ...(host ? { dockerHost: host } : {}) };
  }
  const { kubernetesStack } = require("./kubernetes/stack") as typeof import("./kubernetes/stack");
  return { layouts: kubernetesStack(config, input) };
}
