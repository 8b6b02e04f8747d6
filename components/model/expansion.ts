// Kubernetes' $(VAR) expansion in env values, command and args, which the kubelet does before the
// container runtime sees them (k8s.io/kubernetes third_party/forked/golang/expansion): $(NAME) is the
// value of NAME when it is defined, else left as written; $$ is a literal $; any other $ is itself.
// Docker does no such thing, so the docker platform expands before rendering.

/** A piece of a string as the kubelet's expansion reads it: literal text, or a $(NAME) reference. */
type Piece = { literal: string } | { ref: string; raw: string };

/** The kubelet's reading: $$ is one literal $, $(NAME) a reference, any other $ itself. */
function pieces(input: string): Piece[] {
  const out: Piece[] = [];
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== "$" || i + 1 >= input.length) {
      out.push({ literal: input[i] });
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out.push({ literal: "$" });
      i++;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out.push({ literal: input.slice(i) });
        break;
      }
      const name = input.slice(i + 2, close);
      out.push(name ? { ref: name, raw: input.slice(i, close + 1) } : { literal: input.slice(i, close + 1) });
      i = close;
    } else {
      out.push({ literal: "$" });
    }
  }
  return out;
}

/** Expands one string with `lookup` (undefined: not defined). */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  return pieces(input).map((p) => ("ref" in p ? lookup(p.ref) ?? p.raw : p.literal)).join("");
}

/** A command or args list expanded against the container's final env (env.ts: values already expanded). */
export function expandArgs(list: string[], env: { name: string; value: string }[]): string[] {
  const values = new Map(env.map((e) => [e.name, e.value]));
  return list.map((s) => expand(s, (n) => values.get(n)));
}

/**
 * A literal to be expanded later, when a variable it reads is known (env-exec, at the container's
 * start): the kubelet's expansion of it now, written so that one more expansion gives the kubelet's
 * result. `later` names what is known only then: its references stay `$(NAME)`; a known variable's
 * value, an unknown reference and every other `$` are escaped (`$$`), so the later pass leaves them.
 */
export function expandLater(input: string, lookup: (name: string) => string | undefined, later: (name: string) => boolean): string {
  const escape = (text: string) => text.replace(/\$/g, "$$$$");
  return pieces(input).map((p) => ("ref" in p ? (later(p.ref) ? `$(${p.ref})` : escape(lookup(p.ref) ?? p.raw)) : escape(p.literal))).join("");
}
