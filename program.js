// What Pulumi runs (Pulumi.yaml `main`): podlab's program (index.ts and what it imports), compiled to
// JavaScript once per change of its sources, so that no `pulumi preview` or `up` loads the TypeScript
// compiler (ts-node's transpile of the program cost about 0.6 s a run, the whole of podlab's own load;
// see the README's "Speed"). The compiled tree lives in .podlab/program/<hash of the sources>/, next
// to a copy of the scripts the program reads at run time; a changed source gets a new folder, made by
// esbuild (about 0.2 s) in a temporary folder and renamed, so concurrent runs never see half of one.
// Type errors are `npm run typecheck`'s to find, as before.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const TOP = __dirname;
/** The program's sources: index.ts and these folders (TypeScript and the scripts it reads). */
const SOURCE_DIRS = ["components", "playground"];
/** How many compiled trees to keep (another checkout or branch may still use an older one). */
const KEEP = 4;

/** Every file under `dir`, relative to TOP, sorted so that the hash does not depend on readdir's order. */
function files(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(TOP, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

function compiled() {
  const sources = ["index.ts", ...SOURCE_DIRS.flatMap(files)];
  const esbuild = require("esbuild");
  const hash = crypto.createHash("sha256").update(`esbuild ${esbuild.version}\n`).update(fs.readFileSync(__filename));
  for (const f of sources) hash.update(`${f}\n`).update(fs.readFileSync(path.join(TOP, f)));
  const root = path.join(TOP, ".podlab", "program");
  const dir = path.join(root, hash.digest("hex").slice(0, 16));
  if (fs.existsSync(path.join(dir, "index.js"))) return dir;

  const t0 = Date.now();
  fs.mkdirSync(root, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(root, ".new-"));
  try {
    const ts = sources.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    // One file in, one file out (no bundle): __dirname and require() keep their meaning.
    esbuild.buildSync({
      entryPoints: ts.map((f) => path.join(TOP, f)), outbase: TOP, outdir: tmp,
      format: "cjs", platform: "node", target: "node20", logLevel: "error",
      // `await import("./x")` as require("./x"), as ts-node compiled it: a CommonJS tree has no ESM
      // resolution to find an extensionless path (index.ts loads the playground lazily so).
      supported: { "dynamic-import": false },
    });
    for (const f of sources.filter((x) => !x.endsWith(".ts"))) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.copyFileSync(path.join(TOP, f), path.join(tmp, f));
    }
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another run made the same tree first: use that one.
      if (!fs.existsSync(path.join(dir, "index.js"))) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  prune(root, dir);
  console.error(`podlab: compiled the program in ${Date.now() - t0} ms (${path.relative(TOP, dir)})`);
  return dir;
}

/** Removes all but the KEEP newest compiled trees, and temporary folders older than an hour. */
function prune(root, current) {
  const entries = fs.readdirSync(root).map((name) => ({ name, mtime: fs.statSync(path.join(root, name)).mtimeMs }));
  const trees = entries.filter((e) => !e.name.startsWith(".new-") && path.join(root, e.name) !== current).sort((a, b) => b.mtime - a.mtime);
  const stale = [...trees.slice(KEEP - 1), ...entries.filter((e) => e.name.startsWith(".new-") && Date.now() - e.mtime > 3600_000)];
  for (const e of stale) fs.rmSync(path.join(root, e.name), { recursive: true, force: true });
}

// Pulumi's runtime installs source-map-support for TypeScript programs, and records a stack trace for
// every promise it makes: with no source map to apply (this program has none), the support only costs,
// about 1 s of CPU in a 10-pod preview (measured with --cpu-prof). V8's own formatting is put back.
Error.prepareStackTrace = undefined;
// It also captures and formats a stack trace for every promise it makes (debuggablePromise): about
// 0.3 s of a 10-pod preview's 2.7 s here (median of 4 alternating runs). podlab's own errors name the
// field and the value, which needs no stack; PODLAB_STACK_TRACES (set to anything) brings the traces
// back, for debugging podlab itself. A resource's own trace is still recorded (the SDK lifts the limit).
if (!process.env.PODLAB_STACK_TRACES) Error.stackTraceLimit = 0;
module.exports = require(path.join(compiled(), "index.js"));
