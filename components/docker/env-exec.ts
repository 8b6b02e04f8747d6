// A container's variables that Docker cannot be given in its configuration: those read from a Secret
// (Docker keeps a container's Env where `docker inspect` shows it to anyone who reaches the engine,
// where the kubelet hands env to the runtime at start), and those known only when the container
// starts (the pod's and the host's IPs). podlab writes the container's whole environment, in the
// kubelet's order, to a tmpfs file per container (env-files.sh, the command `<pod>-env`, its
// environment a Pulumi secret when a Secret is in it), mounted read-only at ENV_FILE, and starts the
// container through env-exec (agent/envexec, in the sandbox image), which makes the variables, expands
// $(VAR) in the command as the kubelet does, and executes it.
// Plain functions without Pulumi, so that the policy pack and the layouts can use them too.
import { ContainerSpec } from "../model/pod-spec";
import { PodSpecError } from "../model/validate";

/** Where members find env-exec: the pod's volume `<pod>-env-exec`, filled from the sandbox image's /.podlab. */
export const ENV_EXEC_DIR = "/.podlab";
export const ENV_EXEC = `${ENV_EXEC_DIR}/env-exec`;
/** Where a container finds its secret variables (a JSON object, see envFile). */
export const ENV_FILE = "/.podlab-env";

/** The host directory (a tmpfs) of a pod's env files, a file per container that starts through env-exec. */
export const envFilesDir = (pod: string) => `/var/lib/podlab/env/${pod}`;

/** The Docker volume that carries env-exec into a pod's containers. */
export const envExecVolume = (pod: string) => `${pod}-env-exec`;

/** Whether a container starts through env-exec: its env reads a Secret, or a value known only at its start. */
export const usesEnvExec = (c: ContainerSpec) => c.env.some((e) => e.secret || e.runtime);

/** Whether a container's env reads a Secret. */
export const readsSecret = (c: ContainerSpec) => c.env.some((e) => e.secret);

/** A container's image's own ENTRYPOINT and CMD (`docker image inspect` Config), which env-exec must be told. */
export interface ImageDefaults {
  entrypoint: string[];
  cmd: string[];
}

/**
 * The file env-exec reads (JSON): `env`, the container's variables in the kubelet's order, each
 * `{name, value}`, `{name, field}` (a status field env-exec reads at the start: status.podIP(s), the
 * address of the pod's interface; status.hostIP(s), its default gateway, the Docker host on the pod's
 * network) or `{name, expand}` (a literal expanded then against the variables before it). env-exec
 * expands $(VAR) in the command against these variables only (never the image's ENV).
 */
export function envFile(c: ContainerSpec): string {
  return JSON.stringify({ env: c.env.map((e) => (e.runtime === "expand" ? { name: e.name, expand: e.value } : e.runtime ? { name: e.name, field: e.runtime } : { name: e.name, value: e.value })) });
}

// env-exec expands every argument: an image's own words, which the kubelet leaves alone, get each $ doubled.
const literal = (words: string[]) => words.map((w) => w.replace(/\$/g, "$$$$"));

/**
 * Docker's ENTRYPOINT and CMD for a container that starts through env-exec: env-exec, then the
 * command (else the image's ENTRYPOINT), then the args (else, without a command, the image's CMD),
 * written as the manifest writes them: env-exec expands them. Throws a PodSpecError when the image's
 * defaults are needed and unknown (`at`: the container's path).
 */
export function envExecArgs(at: string, c: ContainerSpec, image: ImageDefaults | undefined): { entrypoints: string[]; command: string[] } {
  if (!c.command.length && !image) throw PodSpecError.plain(`${at}.command`, `podlab needs the image ${c.image}'s ENTRYPOINT and CMD to start it through env-exec (dockerStack asks the engine for them)`);
  const entrypoints = [ENV_EXEC, ...(c.command.length ? c.command : literal(image!.entrypoint))];
  const command = c.args.length ? c.args : c.command.length ? [] : literal(image!.cmd);
  return { entrypoints, command };
}

/** A container's entrypoint as written, without env-exec when it starts through it; `wrapped` says which. */
export function unwrapEnvExec(entrypoints: string[] | undefined): { entrypoints: string[] | undefined; wrapped: boolean } {
  return entrypoints?.[0] === ENV_EXEC ? { entrypoints: entrypoints.slice(1), wrapped: true } : { entrypoints, wrapped: false };
}

/** Whether a mount is podlab's plumbing for env-exec, which no manifest asked for. */
export const isEnvExecMount = (target: string | undefined) => target === ENV_EXEC_DIR || target === ENV_FILE;

