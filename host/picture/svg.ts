// One pod on one platform drawn as SVG, from a Side (snapshot.ts): the sandbox and each member as a
// column; each namespace type (net, ipc, uts, pid, mnt) as a row in which a band spans the members
// that share one namespace, labelled with its inode and who holds it; then the cgroup tree with each
// level's limits and use. All words are SVG <text> (selectable, searchable, printed); colour only
// repeats what the words say. Marks ("[2]", "[!2]") point to the page's numbered differences.
import { NAMESPACES, Namespace } from "../../components/model/layout";
import { cut, namespaceRows, usagePhrase } from "../walkthrough-views";
import { CgroupUsage } from "../pod-processes";
import type { Side } from "./snapshot";

/** Where a difference shows on a side: a member's namespace row or header, or the pod's cgroup. */
export type MarkSlot = { container: string; field: Namespace | "header" } | { container?: undefined; field: "pod" };
/** A numbered difference as a mark: n is its number in the page's table; expected: the platforms explain it. */
export interface Mark { n: number; expected: boolean }
export type Marks = (slot: MarkSlot) => Mark[];

/** XML's five escapes: every word from the host (commands, images, errors) goes through it. */
export const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const markText = (m: Mark[]) => m.map((x) => (x.expected ? `[${x.n}]` : `[!${x.n}]`)).join("");

/** Per namespace type: the band's fill and its outline (the row's name says the type too). */
const TINT: Record<Namespace, [string, string]> = {
  net: ["#dbe8fb", "#3465a4"], ipc: ["#ddf1d9", "#3d7f35"], uts: ["#ece0f6", "#75489f"], pid: ["#fde9cf", "#a3620e"], mnt: ["#ececec", "#5e5e5e"],
};

const PAD = 12, LABEL_W = 56, COL_W = 184, GAP = 10, HEAD = 74, ROW_H = 42, LINE = 16;
const colX = (i: number) => PAD + LABEL_W + i * (COL_W + GAP);

/** Runs of adjacent columns that share a key: [first, last] index pairs, in order. */
function runs(keys: string[]): { key: string; from: number; to: number }[] {
  const out: { key: string; from: number; to: number }[] = [];
  keys.forEach((key, i) => {
    const last = out[out.length - 1];
    if (last && last.key === key && last.to === i - 1) last.to = i;
    else out.push({ key, from: i, to: i });
  });
  return out;
}

const text = (x: number, y: number, body: string, attrs = "") => `<text x="${x}" y="${y}"${attrs ? ` ${attrs}` : ""}>${body}</text>`;

/** A side that could not be read: its source, where, and the reason, in words. */
function unreadSvg(side: Side, title: string): string {
  const lines = (side.error ?? "").match(/.{1,96}(\s|$)|\S+/g) ?? [""];
  const h = 58 + lines.length * LINE;
  const body = [
    text(PAD, 22, esc(title), 'class="title"'),
    text(PAD, 44, "⚠ not read:", 'class="problem"'),
    ...lines.map((l, i) => text(PAD, 44 + (i + 1) * LINE, esc(l.trim()), 'class="problem"')),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(`${title}: not read`)}" viewBox="0 0 720 ${h}" width="720" height="${h}" data-error="true">${body.join("")}</svg>`;
}

/** The cgroup tree: the pod's cgroup, then each container's, with limits and use (usagePhrase). */
function cgroupTree(side: Side, y0: number, width: number, marks: Marks): { svg: string; height: number } {
  const p = side.procs!;
  const out = [text(PAD, y0, "cgroups", 'class="row"')];
  let y = y0 + LINE + 4;
  const bar = (u: CgroupUsage | undefined, yy: number) => {
    if (!u || u.memoryLimit === null || u.memoryCurrent === null) return "";
    const w = 120, x = width - PAD - w, used = Math.min(1, u.memoryCurrent / u.memoryLimit);
    return `<rect x="${x}" y="${yy - 10}" width="${w}" height="10" class="bar"/><rect x="${x}" y="${yy - 10}" width="${(w * used).toFixed(1)}" height="10" class="used"/>`;
  };
  const pod = marks({ field: "pod" });
  const podMarks = markText(pod);
  out.push(text(PAD, y, `${esc(p.podCgroup?.path ?? "?")}${podMarks ? ` <tspan class="mark${pod.some((x) => !x.expected) ? " problem" : ""}">${esc(podMarks)}</tspan>` : ""}`, 'class="mono" data-cgroup="pod"'));
  out.push(text(PAD, y + LINE, esc(usagePhrase(p.podCgroup)), 'class="small"'), bar(p.podCgroup, y + LINE));
  y += 2 * LINE + 8;
  const names = Object.keys(p.cgroups);
  names.forEach((name, i) => {
    const cg = p.cgroups[name];
    const last = i === names.length - 1;
    // systemd-cgls's connectors: a trunk down the left, a branch to each child.
    out.push(`<path class="tree" d="M${PAD + 6} ${y - 2 * LINE + 2}V${y - 4}H${PAD + 20}${last ? "" : `M${PAD + 6} ${y - 4}V${y + 2 * LINE}`}"/>`);
    const id = cg.path.split("/").pop()!;
    out.push(text(PAD + 24, y, `[${esc(name)}] <tspan class="mono">${esc(id.length === 64 ? `${id.slice(0, 12)}…` : cut(id, 40))}</tspan>`, `data-cgroup="${esc(name)}"`));
    out.push(text(PAD + 24, y + LINE, esc(usagePhrase(cg)), 'class="small"'), bar(cg, y + LINE));
    y += 2 * LINE + 8;
  });
  return { svg: out.join(""), height: y - y0 };
}

/**
 * One side of a pod as an SVG element (a string), or its reason when it could not be read. Columns
 * follow the live pod's order (sandbox first); a band in the net or IPC row that leaves out the
 * sandbox is a split, drawn dashed and red and said in words ("not the sandbox's").
 */
export function sideSvg(side: Side, title: string, marks: Marks): string {
  if (!side.live || !side.procs) return unreadSvg(side, title);
  const { live, procs } = side;
  const members = [live.sandbox, ...live.containers];
  const width = Math.max(colX(members.length) + PAD - GAP, 600);
  const holders = new Map(namespaceRows(procs).map((r) => [`${r.type}:${r.ns}`, r.holder]));
  const missing = (side.layout?.containers ?? []).filter((c) => !c.init && !live.containers.some((x) => x.name === c.name)).map((c) => c.name);
  const warnings = [...side.split.map((l) => `⚠ SPLIT: ${l}`), ...missing.map((n) => `⚠ not running: ${n}`)];
  const out: string[] = [
    text(PAD, 22, esc(title), 'class="title"'),
    text(PAD, 40, esc(`${live.sandbox.name} pid ${live.sandbox.pid} · ${members.length} containers · ${procs.processes.length} processes · from ${side.source}`), 'class="small"'),
    ...warnings.map((w, i) => text(PAD, 58 + i * LINE, esc(w), 'class="problem"')),
  ];
  const y0 = 52 + warnings.length * LINE;
  const bandsBottom = y0 + HEAD + NAMESPACES.length * ROW_H;
  members.forEach((m, i) => {
    const x = colX(i);
    const role = i === 0 ? "sandbox" : "member";
    const headMarks = marks({ container: m.name, field: "header" });
    const head = markText(headMarks);
    out.push(`<g class="member" data-container="${esc(m.name)}" data-pid="${m.pid}">`,
      `<rect class="column" x="${x}" y="${y0}" width="${COL_W}" height="${bandsBottom - y0 + 6}" rx="6"/>`,
      text(x + 8, y0 + 18, `${esc(cut(m.name, 18))}${head ? ` <tspan class="mark${headMarks.some((x) => !x.expected) ? " problem" : ""}">${esc(head)}</tspan>` : ""}`, 'class="name"'),
      text(x + 8, y0 + 34, esc(role), 'class="small"'),
      // Cut from the left: the tag is what tells two builds apart.
      text(x + 8, y0 + 50, esc(m.image.length > 26 ? `…${m.image.slice(-25)}` : m.image), 'class="small mono"'),
      text(x + 8, y0 + 66, esc(cut(`pid ${m.pid} · hostname ${m.hostname}`, 29)), 'class="small"'),
      "</g>");
  });
  NAMESPACES.forEach((ns, row) => {
    const y = y0 + HEAD + row * ROW_H;
    out.push(text(PAD, y + 25, ns, 'class="row"'));
    const [fill, stroke] = TINT[ns];
    for (const run of runs(members.map((m) => m.inodes[ns]))) {
      const inMembers = members.slice(run.from, run.to + 1);
      const split = (ns === "net" || ns === "ipc") && run.key !== live.sandbox.inodes[ns];
      const holder = holders.get(`${ns}:${run.key}`);
      const who = split ? "⚠ not the sandbox's"
        : holder === "host" ? "the host's"
          : inMembers.length > 1 ? `shared, held by ${holder ?? "?"}`
            : `${holder ?? inMembers[0].name}'s own`;
      const x = colX(run.from) + 5, w = colX(run.to) + COL_W - 5 - x;
      const names = inMembers.map((m) => m.name).join(" ");
      out.push(`<g class="band${split ? " split" : ""}" data-ns="${ns}" data-inode="${esc(run.key)}" data-members="${esc(names)}">`,
        `<title>${esc(`${ns} namespace ${run.key}: ${who}; processes of ${names}`)}</title>`,
        `<rect x="${x}" y="${y + 4}" width="${w}" height="${ROW_H - 8}" rx="4" fill="${split ? "#fde2e1" : fill}" stroke="${split ? "#b3261e" : stroke}"${split ? ' stroke-dasharray="5 3" stroke-width="2"' : ""}/>`,
        text(x + 6, y + 19, `${ns} <tspan class="mono">${esc(run.key)}</tspan>`),
        text(x + 6, y + 33, esc(who), `class="small${split ? " problem" : ""}"`),
        "</g>");
    }
    members.forEach((m, i) => {
      const mk = marks({ container: m.name, field: ns });
      if (mk.length) out.push(text(colX(i) + COL_W - 10, y + 19, esc(markText(mk)), `class="mark${mk.some((x) => !x.expected) ? " problem" : ""}" text-anchor="end"`));
    });
  });
  const tree = cgroupTree(side, bandsBottom + 32, width, marks);
  out.push(tree.svg);
  const height = bandsBottom + 32 + tree.height;
  const label = `${title}: ${members.map((m) => m.name).join(", ")}${side.split.length ? "; split" : ""}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-split="${side.split.length > 0}">${out.join("")}</svg>`;
}
