// The picture page of `inspect --html`: one self-contained HTML file (inline CSS and SVG, no script,
// no network) with each pod drawn on both platforms side by side (svg.ts) and its differences
// numbered in a table, each with the reason the platforms give, or UNEXPECTED, as `compare --live`
// judges them. With a refresh interval the browser reloads it, so `--watch` can be watched.
import { LayoutDifference } from "../../components/model/compare";
import { NAMESPACES, Namespace } from "../../components/model/layout";
import type { PodPicture, Side, Snapshot, SourceRead } from "./snapshot";
import { esc, Mark, Marks, MarkSlot, sideSvg } from "./svg";
import { mib } from "../walkthrough-views";

/** Where a difference's path ("foo/app: uts namespace", "foo: cgroup parent") shows in the drawing. */
export function slotOf(path: string): MarkSlot {
  const m = /^[^/:]+(?:\/([^:]+))?(?:: (.+))?$/.exec(path);
  const [container, field] = [m?.[1], m?.[2] ?? ""];
  if (!container) return { field: "pod" };
  const ns = field.replace(/ namespace$/, "");
  return { container, field: (NAMESPACES as readonly string[]).includes(ns) ? (ns as Namespace) : "header" };
}

/** Marks for a pod's differences: each numbered from `first`, shown on both sides where it applies. */
function marksOf(diffs: LayoutDifference[], first: number): Marks {
  const placed = diffs.map((d, i) => ({ slot: slotOf(d.path), mark: { n: first + i, expected: d.expectedBecause !== undefined } as Mark }));
  return (slot) => placed.filter((p) => p.slot.field === slot.field && p.slot.container === slot.container).map((p) => p.mark);
}

/** A difference's value in words: memory in Mi (bytes kept), CPU in millicores, null as none. */
function value(path: string, v: unknown): string {
  if (v === null || v === undefined) return "none";
  if (typeof v === "number" && /memory/i.test(path)) return v === 0 ? "none" : `${mib(v)} (${v} bytes)`;
  if (typeof v === "number" && /cpu/i.test(path)) return `${v}m`;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The table of a pod's differences, numbered from `first`. */
function diffTable(p: PodPicture, first: number): string {
  const [l, r] = p.sides;
  if (!l.live || !r.live) return `<p class="note">Not compared: ${esc([l, r].filter((s) => !s.live).map((s) => s.source).join(" and "))} could not be read.</p>`;
  if (!p.diffs.length) return `<p class="note">No difference between ${esc(l.platform ?? "")} and ${esc(r.platform ?? "")}.</p>`;
  const rows = p.diffs.map((d, i) => {
    const verdict = d.expectedBecause ? `expected: ${esc(d.expectedBecause)}` : "<strong>⚠ UNEXPECTED</strong>: the platforms do not explain it";
    return `<tr class="${d.expectedBecause ? "expected" : "unexpected"}"><td>${d.expectedBecause ? "" : "!"}${first + i}</td><td>${esc(d.path)}</td><td>${esc(value(d.path, d.left))}</td><td>${esc(value(d.path, d.right))}</td><td>${verdict}</td></tr>`;
  });
  return `<table class="diffs"><caption>Differences in pod ${esc(p.pod)} (read live)</caption><thead><tr><th>#</th><th>where</th><th>${esc(`${l.source} (${l.platform})`)}</th><th>${esc(`${r.source} (${r.platform})`)}</th><th>verdict</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const sideTitle = (s: Side) => (s.where ? `${s.where}, stack ${s.source}` : s.source);

const STYLE = `
body { font: 14px/1.4 "DejaVu Sans", Arial, sans-serif; margin: 1.5em; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.4em; margin: 0 0 .3em; } h2 { font-size: 1.15em; margin: 1.2em 0 .4em; }
.sides { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
figure { margin: 0; border: 1px solid #bbb; border-radius: 6px; padding: .3em; max-width: 100%; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
svg text { font-size: 12px; fill: #1b1b1b; }
svg .title { font-size: 14px; font-weight: bold; } svg .name { font-size: 13px; font-weight: bold; }
svg .row { font-weight: bold; } svg .small { font-size: 11px; } svg .mono, .mono { font-family: "DejaVu Sans Mono", monospace; }
svg .mark { font-weight: bold; fill: #7a5200; } svg .problem { fill: #b3261e; font-weight: bold; }
svg .column { fill: #fafafa; stroke: #888; } svg .tree { fill: none; stroke: #777; }
svg .bar { fill: #fff; stroke: #777; } svg .used { fill: #9bb7de; }
table.diffs { border-collapse: collapse; margin-top: .8em; } table.diffs caption { text-align: left; font-weight: bold; }
table.diffs td, table.diffs th { border: 1px solid #bbb; padding: .2em .5em; vertical-align: top; text-align: left; }
tr.unexpected td { background: #fde2e1; } tr.unexpected td:first-child, .problem { color: #b3261e; font-weight: bold; }
.note { color: #444; }
@media print { body { margin: 0; } .sides { display: block; } figure { break-inside: avoid; margin-bottom: 1em; } * { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
`;

/** A source as the page lists it: its pod count, or why it was not read. */
const sourceLine = (x: SourceRead) => (x.error ? `${x.name}: not read: ${x.error}` : `${x.name}: ${x.pods} pod${x.pods === 1 ? "" : "s"}`);

/**
 * The whole page for a snapshot. With `watch` (`--watch`: rewritten every `every` seconds) a meta
 * refresh makes an open browser reload the file as it is rewritten; once the watcher stops
 * (`stoppedAt`) the last page says so and reloads no more. Pure: the same input gives the same page.
 */
export function picturePage(s: Snapshot, watch?: { every: number; stoppedAt?: Date }): string {
  const refreshSeconds = watch && !watch.stoppedAt ? watch.every : undefined;
  let next = 1;
  const sections = s.pods.map((p) => {
    const first = next;
    next += p.diffs.length;
    const marks = marksOf(p.diffs, first);
    const figures = p.sides.map((side) =>
      `<figure data-platform="${esc(side.platform ?? "")}" data-source="${esc(side.source)}" data-split="${side.split.length > 0}">${sideSvg(side, sideTitle(side), marks)}</figure>`);
    return `<section class="pod" id="pod-${esc(p.pod)}"><h2>pod ${esc(p.pod)}</h2><div class="sides">${figures.join("")}</div>${diffTable(p, first)}</section>`;
  });
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : "";
  const watching = refreshSeconds ? ` Rewritten every ${refreshSeconds} s while <code>inspect --watch</code> runs; this page reloads itself.`
    : watch?.stoppedAt ? ` <strong>Not rewritten any more:</strong> <code>inspect --watch</code> stopped at ${esc(watch.stoppedAt.toISOString())}.` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>podlab: ${esc(s.pods.map((p) => p.pod).join(", ") || "no pods")} as the host runs them</title><style>${STYLE}</style></head>
<body><header><h1>Pods as the host runs them</h1>
<p>Read from the live hosts at <time datetime="${s.readAt.toISOString()}">${esc(s.readAt.toISOString())}</time>.${watching}</p>
<ul>${s.sources.map((x) => `<li${x.error ? ' class="problem"' : ""}>${esc(sourceLine(x))}</li>`).join("")}</ul>
<p class="note">Each column is a container, the sandbox first; each row a kind of namespace. A band spans the containers whose processes are in one namespace, with its inode (as <code>readlink /proc/PID/ns/TYPE</code> shows it) and who holds it. Below: the pod's cgroup and each container's, with limits and memory in use. [n] marks difference n in the table below the pod, which the platforms explain; [!n] marks one they do not (UNEXPECTED). ⚠ SPLIT: a member outside its sandbox's network or IPC namespace.</p></header>
${sections.join("\n") || "<p>No pods.</p>"}
</body></html>
`;
}
