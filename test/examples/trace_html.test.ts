// `npm run trace -- echo --html FILE`: the scripted session as one self-contained HTML file, the inspector's picture of it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { Snapshot } from "../../src/inspect/protocol.js";
import { browser_or_skip, type TestBrowser } from "../helpers/browser.js";

const run = promisify(execFile);
const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "trace.js");

/** Runs the trace with --html into `dir`; the file, its embedded snapshot and the iteration count the timeline printed. */
async function export_html(dir: string, ...args: string[]): Promise<{ file: string; html: string; snap: Snapshot; printed: number }> {
  const file = join(dir, `${args.join("_").replace(/\W/g, "")}.html`);
  const { stdout } = await run(process.execPath, [script, ...args, "--html", file], { timeout: 15000 });
  const printed = Number(/map empty after (\d+) iterations/.exec(stdout)?.[1]);
  expect(stdout).to.include(`wrote ${file}: the inspector's picture of these ${printed} iterations`);
  const html = readFileSync(file, "utf8");
  const json = /<script type="application\/json" id="snapshot">(.*?)<\/script>/s.exec(html)?.[1];
  return { file, html, snap: JSON.parse(json!) as Snapshot, printed };
}

describe("trace --html: the exported file", function () {
  this.timeout(30000);
  let dir = "";

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "asyncore-ts-trace-html-"));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const args of [["echo"], ["echo", "--poll"], ["http"], ["chat", "--poll"]]) {
    it(`holds every iteration of the session, with no server and nothing to fetch (${args.join(" ")})`, async () => {
      const { html, snap, printed } = await export_html(dir, ...args);
      expect(snap.live).to.equal(false);
      expect(snap.title).to.match(new RegExp(`^npm run trace -- ${args.join(" ")}: `));
      expect(snap.iterations.map((it) => it.n)).to.deep.equal(Array.from({ length: printed }, (_, i) => i + 1));
      expect(snap.iterations.every((it) => it.mode === (args.includes("--poll") ? "poll" : "select"))).to.equal(true);
      expect(snap.channels.every((c) => c.last !== null && c.last <= printed)).to.equal(true);
      expect(html).to.not.include(`id="pause"`);
      // Self-contained: no script, style, image or link from elsewhere.
      expect(html).to.not.match(/\b(src|href)="(?!data:)/);
      expect(html).to.not.match(/@import|url\(/);
    });
  }

  it("`--html` without a file name is an error", async () => {
    const err = await run(process.execPath, [script, "echo", "--html"], { timeout: 15000 }).then(() => null, (e: unknown) => e as { stderr: string });
    expect(err?.stderr).to.include("--html needs a file name");
  });
});

describe("trace --html: the exported file in a browser", function () {
  this.timeout(60000);
  let b: TestBrowser | undefined;
  let page: Page | undefined;
  let dir = "";

  before(async function () {
    b = await browser_or_skip(this);
    dir = mkdtempSync(join(tmpdir(), "asyncore-ts-trace-html-"));
  });

  beforeEach(async () => {
    page = await b!.browser.newPage();
    page.setDefaultTimeout(10000);
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
  });

  after(async () => {
    await b?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the file from disk; every request the page makes is collected. */
  async function open(file: string): Promise<{ p: Page; requests: string[]; errors: string[] }> {
    const p = page!;
    const requests: string[] = [];
    const errors: string[] = [];
    p.on("request", (r) => requests.push(r.url()));
    p.on("pageerror", (e) => errors.push(e.message));
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector("#grid");
    return { p, requests, errors };
  }

  for (const mode of ["select", "poll"] as const) {
    it(`draws the echo session's columns and its three channels, from disk alone (${mode} loop)`, async () => {
      const { file, printed } = await export_html(dir, ...(mode === "poll" ? ["echo", "--poll"] : ["echo"]));
      const { p, requests, errors } = await open(file);
      const cols = await p.$$eval("#grid thead th[data-n]", (th) => th.map((t) => t.textContent));
      expect(cols).to.deep.equal(Array.from({ length: printed }, (_, i) => `#${i + 1}`));
      const rows = await p.$$eval("#grid tbody tr th button", (bs) => bs.map((x) => x.firstChild?.nextSibling?.textContent?.trim()));
      expect(rows).to.deep.equal(["EchoServer (closed)", "EchoClient (closed)", "EchoHandler (closed)"]);
      // The server's accept, then the handler's two echoes and its close.
      expect(await p.locator("#grid tbody tr:nth-child(1) td .accept").count()).to.equal(1);
      const handler = await p.$$eval("#grid tbody tr:nth-child(3) td .did", (d) => d.map((x) => x.textContent).filter(Boolean));
      expect(handler).to.deep.equal(["↓6 ↑6", "↓6 ↑6", "↓0 ✕"]);
      expect(await p.textContent("#status")).to.equal(`exported: ${printed} iterations`);
      expect(await p.$("#pause")).to.equal(null);
      expect(requests).to.deep.equal([pathToFileURL(file).href]);
      expect(errors).to.deep.equal([]);
    });
  }
});
