// The picture page (`inspect --html`) of the walkthrough's pod on both stacks, opened in a real
// browser: Debian's headless Chromium, driven by puppeteer-core (no browser download). Screenshots and
// a printed PDF are kept in $PODLAB_ARTIFACTS (default test-artifacts/ in the clone).
import execa from "execa";
import { accessSync, constants, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import puppeteer, { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTools, ScratchStack } from "../../scripts/lib/scratch-stack";
import { ensureCluster } from "./cluster";
import { quickStoppingPod } from "./fixtures";
import { waitWhole } from "./pod-health";
import { waitFor } from "./wait";

const TOP = resolve(__dirname, "../..");
const ARTIFACTS = process.env.PODLAB_ARTIFACTS ?? join(TOP, "test-artifacts");
const CHROMIUM = process.env.PODLAB_CHROMIUM ?? "/usr/bin/chromium";
const run = Math.random().toString(36).slice(2, 7);
const name = `pic${run}`;
const NAMESPACES = ["net", "ipc", "uts", "pid", "mnt"];

/** What the browser shows of one band: its namespace, inode, members and words. */
interface Band { ns: string; inode: string; members: string[]; text: string; split: boolean }
interface Figure { platform: string; split: string; members: { name: string; pid: number }[]; bands: Band[]; text: string }

describe("the picture page in a real browser", () => {
  let docker: ScratchStack;
  let kube: ScratchStack;
  let browser: Browser;
  let files: { docker: string; kube: string; page: string };

  beforeAll(async () => {
    await requireTools("pulumi", "docker");
    try {
      accessSync(CHROMIUM, constants.X_OK);
    } catch {
      throw new Error(`the browser test needs Chromium at ${CHROMIUM} (Debian's package chromium: 'npm run bootstrap' installs it; or set PODLAB_CHROMIUM)`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    const cluster = await ensureCluster();
    const pods = [quickStoppingPod(name)];
    docker = await ScratchStack.create(`picd-${run}`, { platform: "docker", cgroupDriver: "auto", pods });
    kube = await ScratchStack.create(`pick-${run}`, { platform: "kubernetes", kubeconfig: cluster.KUBECONFIG, context: cluster.PODLAB_K8S_CONTEXT, pods });
    await Promise.all([docker.up(), kube.up()]);
    files = { docker: join(docker.dir, "layouts.json"), kube: join(kube.dir, "layouts.json"), page: join(docker.dir, "pods.html") };
    writeFileSync(files.docker, JSON.stringify((await docker.outputs()).layouts));
    writeFileSync(files.kube, JSON.stringify((await kube.outputs()).layouts));
    // Root runs Chromium here: its setuid sandbox needs --no-sandbox then.
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([docker?.dispose(), kube?.dispose()]);
  }, 300_000);

  const inspectArgs = () => ["tsx", "scripts/inspect.ts", "--html", files.page, "--left-file", files.docker, "--right-file", files.kube];
  const inspect = () => execa("npx", inspectArgs(), { cwd: TOP, reject: false, all: true });

  /** Opens the page; what the console said, what it fetched, and each figure as the DOM shows it. */
  async function open(page: Page): Promise<{ problems: string[]; figures: Figure[] }> {
    const problems: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warn") problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${(e as Error).message}`));
    page.on("request", (r) => { if (!r.url().startsWith("file://")) problems.push(`fetched ${r.url()}`); });
    page.on("requestfailed", (r) => problems.push(`failed to load ${r.url()}`));
    await page.setViewport({ width: 1600, height: 1000 });
    await page.goto(`file://${files.page}`, { waitUntil: "load" });
    const figures = await page.$$eval("figure", (els) => els.map((f) => ({
      platform: f.getAttribute("data-platform")!,
      split: f.getAttribute("data-split")!,
      members: [...f.querySelectorAll("g.member")].map((g) => ({ name: g.getAttribute("data-container")!, pid: Number(g.getAttribute("data-pid")) })),
      bands: [...f.querySelectorAll("g.band")].map((g) => ({
        ns: g.getAttribute("data-ns")!, inode: g.getAttribute("data-inode")!, members: g.getAttribute("data-members")!.split(" "),
        text: [...g.querySelectorAll("text")].map((t) => t.textContent).join(" "), split: g.classList.contains("split"),
      })),
      text: f.textContent ?? "",
    })));
    return { problems, figures };
  }

  /** Each member of the figure in exactly one band per namespace, whose words show the kernel's inode. */
  function expectKernelInodes(f: Figure) {
    expect(f.members.map((m) => m.name)).toEqual([f.platform === "docker" ? "sandbox" : "pause", "app", "sidecar"]);
    for (const m of f.members) {
      for (const ns of NAMESPACES) {
        const kernel = /\[(\d+)\]/.exec(readlinkSync(`/proc/${m.pid}/ns/${ns}`))![1];
        const bands = f.bands.filter((b) => b.ns === ns && b.members.includes(m.name));
        expect(bands.map((b) => b.inode), `${f.platform} ${m.name} ${ns}`).toEqual([kernel]);
        expect(bands[0].text).toContain(`${ns} ${kernel}`);
      }
    }
  }

  it("draws the pod on both platforms with the inodes the kernel reports, and loads clean", async () => {
    const result = await inspect();
    expect(result.exitCode, result.all).toBe(0);
    const page = await browser.newPage();
    const { problems, figures } = await open(page);
    expect(problems).toEqual([]);
    expect(figures.map((f) => [f.platform, f.split])).toEqual([["docker", "false"], ["kubernetes", "false"]]);
    figures.forEach(expectKernelInodes);
    // Docker's members each have their own UTS namespace; the kubelet's pause holds one for all.
    expect(figures[0].bands.filter((b) => b.ns === "uts").map((b) => b.members.length)).toEqual([1, 1, 1]);
    expect(figures[1].bands.filter((b) => b.ns === "uts").map((b) => b.members)).toEqual([["pause", "app", "sidecar"]]);
    // Every difference is explained, and its reason is in the table.
    const verdicts = await page.$$eval("table.diffs tbody tr", (rows) => rows.map((r) => [r.className, r.textContent]));
    expect(verdicts.length).toBeGreaterThan(2);
    expect(verdicts.filter(([cls]) => cls !== "expected")).toEqual([]);
    expect(verdicts.map(([, t]) => t).join("\n")).toMatch(/app: uts namespaceown, hostname copiedsandboxexpected: Docker cannot share a UTS namespace/);
    // The words are text, found by the browser's own search.
    const net = figures[0].bands.find((b) => b.ns === "net")!.inode;
    expect(await page.evaluate((s) => (window as unknown as { find: (q: string) => boolean }).find(s), net)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "picture-whole.png"), fullPage: true });
    // It prints: the PDF has a page, whatever its size.
    const pdf = await page.pdf({ path: join(ARTIFACTS, "picture-whole.pdf"), printBackground: true });
    expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe("%PDF-");
    await page.close();
  }, 180_000);

  it("draws a split pod split and marks it, and exits 1", async () => {
    // With its agent stopped, nothing moves the members into the restarted sandbox's namespaces.
    await execa("docker", ["stop", docker.agentName]);
    await execa("docker", ["restart", `${name}-sandbox`]);
    try {
      const result = await inspect();
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`pod ${name} on docker is split: app is in net namespace \\d+, its sandbox in \\d+`));
      const page = await browser.newPage();
      const { problems, figures } = await open(page);
      expect(problems).toEqual([]);
      const [d, k] = figures;
      expect([d.split, k.split]).toEqual(["true", "false"]);
      expectKernelInodes(d);
      expect(d.text).toMatch(/⚠ SPLIT: app is in net namespace \d+, its sandbox in \d+/);
      const splitBands = d.bands.filter((b) => b.split).map((b) => `${b.ns} ${b.members.join(",")}`);
      expect(splitBands.sort()).toEqual(["ipc app,sidecar", "net app,sidecar"]);
      expect(splitBands.length && d.bands.filter((b) => b.split).every((b) => b.text.includes("⚠ not the sandbox's"))).toBe(true);
      const unexpected = await page.$$eval("table.diffs tr.unexpected", (rows) => rows.map((r) => r.textContent));
      expect(unexpected.join("\n")).toMatch(/app: net namespaceownsandbox⚠ UNEXPECTED/);
      await page.screenshot({ path: join(ARTIFACTS, "picture-split.png"), fullPage: true });
      await page.close();
    } finally {
      await execa("docker", ["start", docker.agentName]);
    }
    await waitWhole(name, ["app", "sidecar"], 60);
  }, 180_000);

  it("--watch rewrites the page as a sandbox restart is repaired, and the open page reloads itself", async () => {
    const before = readFileSync(files.page, "utf8");
    const oldPid = /data-container="sandbox" data-pid="(\d+)"/.exec(before)![1];
    const watch = execa(join(TOP, "node_modules/.bin/tsx"), [...inspectArgs().slice(1), "--watch", "--every", "1"], { cwd: TOP, reject: false, all: true });
    try {
      const page = await browser.newPage();
      await waitFor("the first rewrite", async () => expect(readFileSync(files.page, "utf8")).toContain('http-equiv="refresh" content="1"'), 60);
      await page.goto(`file://${files.page}`);
      const reloaded = page.waitForNavigation({ timeout: 10_000 });
      await execa("docker", ["restart", `${name}-sandbox`]);
      await reloaded;
      // The agent repairs the pod: the page shows a new sandbox with every member in its namespaces.
      await waitFor("the page showing the repaired pod", async () => {
        const html = readFileSync(files.page, "utf8");
        const pid = /data-container="sandbox" data-pid="(\d+)"/.exec(html)?.[1];
        expect(pid).toBeDefined();
        expect(pid).not.toBe(oldPid);
        expect(html).toContain('<figure data-platform="docker" data-source');
        expect(html).not.toContain('data-split="true"');
        expect(html).toMatch(/data-ns="net" data-inode="\d+" data-members="sandbox app sidecar"/);
      }, 90);
      await page.close();
    } finally {
      watch.kill("SIGINT");
      await watch;
    }
    // Stopped by Ctrl-C: the last page says it is no longer rewritten, and reloads no more.
    const last = readFileSync(files.page, "utf8");
    expect(last).toContain("<strong>Not rewritten any more:</strong> <code>inspect --watch</code> stopped at");
    expect(last).not.toContain('http-equiv="refresh"');
    // Read once more without --watch (no reload under the DOM's reader): the new sandbox, whole.
    expect((await inspect()).exitCode).toBe(0);
    const page = await browser.newPage();
    const { problems, figures } = await open(page);
    expect(problems).toEqual([]);
    expect(figures[0].members[0].pid).toBeGreaterThan(0);
    expect(String(figures[0].members[0].pid)).not.toBe(oldPid);
    expectKernelInodes(figures[0]);
    await page.close();
  }, 240_000);
});
