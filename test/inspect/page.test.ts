// The inspector's page: its HTML on its own, and the picture a browser draws from an embedded snapshot.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { page_html } from "../../src/inspect/page.js";
import { PAGE_SCRIPT } from "../../src/inspect/page_script.js";
import { PAGE_STYLE } from "../../src/inspect/page_style.js";
import type { IterationRecord, Snapshot } from "../../src/inspect/protocol.js";
import { browser_or_skip, type TestBrowser } from "../helpers/browser.js";

const EVIL = `<x onerror="alert(1)"></script><script>window.__pwned = 1</script>`;

/** An echo server (3), a handler (5) that reads 6 bytes and echoes them, then closes; a repr that tries to break out. */
function sample(iterations = 4): Snapshot {
  const its: IterationRecord[] = [];
  for (let n = 1; n <= iterations; n++) {
    const cells: IterationRecord["cells"][number][] = [{ fd: 3, asked: "r", ready: n === 1 ? ["POLLIN"] : [], handler: n === 1 ? "readwrite POLLIN" : null, did: n === 1 ? [{ kind: "accept", peer: "127.0.0.1:4000" }] : [] }];
    if (n === 2) cells.push({ fd: 5, asked: "rw", ready: ["POLLIN", "POLLOUT"], handler: "readwrite POLLIN|POLLOUT", did: [{ kind: "recv", bytes: 6 }, { kind: "send", bytes: 6 }] });
    if (n === 3) cells.push({ fd: 5, asked: "r", ready: ["POLLIN", "POLLHUP"], handler: "readwrite POLLIN|POLLHUP", did: [{ kind: "recv", bytes: 0 }, { kind: "close" }] });
    its.push({ n, mode: "poll", timeout: 30, waited_ms: n === 4 ? 30000 : 0.5, woke: n === 4 ? "timeout" : "ready", at_ms: n, map_size: n === 1 || n === 2 ? 2 : 1, cells });
  }
  return {
    title: "sample",
    channels: [
      { fd: 3, cls: "EchoServer", repr: "<EchoServer listening 127.0.0.1:4000 at 0x1>", first: 1, last: null },
      { fd: 5, cls: "EchoHandler", repr: EVIL, first: 2, last: 3 },
    ],
    iterations: its,
    control: { paused: false, n: iterations },
    live: false,
  };
}

describe("the inspector page's HTML", () => {
  it("is one document whose script and style parse and cannot be ended early", () => {
    expect(() => new Script(PAGE_SCRIPT)).to.not.throw();
    expect(PAGE_SCRIPT).to.not.match(/<\/script/i);
    expect(PAGE_STYLE).to.not.match(/<\/style/i);
    const html = page_html(null);
    expect(html.startsWith("<!doctype html>")).to.equal(true);
    expect(html.match(/<\/script>/g)).to.have.length(2);
  });

  it("live: has Pause, Step and Resume as buttons and no snapshot", () => {
    const html = page_html(null);
    for (const id of ["pause", "step", "resume"]) expect(html).to.match(new RegExp(`<button type="button" id="${id}"`));
    expect(html).to.include(`<script type="application/json" id="snapshot">null</script>`);
  });

  it("exported: embeds the snapshot so that it reads back exactly, whatever the reprs hold, and has no buttons that need a server", () => {
    const snap = sample();
    const html = page_html(snap);
    expect(html).to.not.include(`id="pause"`);
    expect(html.match(/<\/script>/g)).to.have.length(2);
    const json = /<script type="application\/json" id="snapshot">(.*?)<\/script>/s.exec(html)?.[1];
    expect(JSON.parse(json!)).to.deep.equal(snap);
    expect(page_html({ ...snap, title: "<b>&" })).to.include("<title>&#60;b&#62;&#38; – asyncore-ts inspector</title>");
  });
});

describe("the inspector page in a browser, drawn from an embedded snapshot", function () {
  this.timeout(60000);
  let b: TestBrowser | undefined;
  let page: Page | undefined;
  let dir = "";
  let file = "";

  before(async function () {
    b = await browser_or_skip(this);
    dir = mkdtempSync(join(tmpdir(), "asyncore-ts-page-"));
    file = join(dir, "page.html");
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

  /** The side panel's text once it shows `heading` (the page draws on the next animation frame). */
  async function shown(p: Page, heading: string): Promise<string> {
    await p.locator("#detail h2", { hasText: heading }).waitFor();
    return (await p.textContent("#detail")) ?? "";
  }

  async function open(snap: Snapshot, query = ""): Promise<Page> {
    const errors: string[] = [];
    page!.on("pageerror", (e) => errors.push(e.message));
    if (query) {
      // A query string needs a URL: the file, as an exported page is opened.
      writeFileSync(file, page_html(snap));
      await page!.goto(`${pathToFileURL(file).href}${query}`);
    } else {
      await page!.setContent(page_html(snap));
    }
    await page!.waitForSelector("#grid");
    expect(errors).to.deep.equal([]);
    return page!;
  }

  it("draws one column per iteration and one row per channel, and runs no script from a repr", async () => {
    const p = await open(sample());
    expect(await p.$$eval("#grid thead th[data-n]", (th) => th.map((t) => t.textContent))).to.deep.equal(["#1", "#2", "#3", "#4"]);
    expect(await p.$$eval("#grid tbody tr", (tr) => tr.map((t) => (t as HTMLElement).dataset.fd))).to.deep.equal(["3", "5"]);
    expect(await p.textContent('#grid tbody tr[data-fd="5"] small')).to.equal(EVIL);
    expect(await p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(undefined);
    expect(await p.textContent("#status")).to.equal("exported: 4 iterations");
    expect(await p.$("#pause")).to.equal(null);
  });

  it("shows in each cell what was asked, what came back ready and what the handler did", async () => {
    const p = await open(sample());
    const cell = (fd: number, n: number) => p.locator(`#grid tbody tr[data-fd="${fd}"] td[data-n="${n}"]`);
    expect(await cell(3, 1).getAttribute("class")).to.equal("rin");
    expect(await cell(3, 1).innerText()).to.match(/r\s+\+acc/);
    expect(await cell(5, 2).getAttribute("class")).to.equal("rboth");
    expect(await cell(5, 2).innerText()).to.match(/rw\s+↓6 ↑6/);
    expect(await cell(5, 2).getAttribute("title")).to.equal("#2 · fd 5 EchoHandler\nasked: readable, writable\nready: POLLIN POLLOUT\nran: readwrite POLLIN|POLLOUT → recv 6 B, send 6 B");
    expect(await cell(5, 3).getAttribute("class")).to.equal("rin rbad");
    expect(await cell(5, 3).innerText()).to.match(/r HUP\s+↓0 ✕/);
    expect(await cell(3, 2).getAttribute("class")).to.equal("asked");
    // Before it was in the map, and after it left: no cell at all.
    expect(await p.locator('#grid tbody tr[data-fd="5"] td.out').count()).to.equal(2);
  });

  it("shows the wait of each iteration with the reason it woke, and the map's size", async () => {
    const p = await open(sample());
    expect(await p.$$eval("#grid tr.woke td", (td) => td.map((t) => t.textContent))).to.deep.equal(["ready", "ready", "ready", "t/o"]);
    expect(await p.$$eval("#grid tr.wait td .v", (td) => td.map((t) => t.textContent))).to.deep.equal(["0.50", "0.50", "0.50", "30.0s"]);
    const heights = await p.$$eval("#grid tr.wait td .bar", (d) => d.map((x) => (x as HTMLElement).getBoundingClientRect().height));
    expect(heights[3]).to.be.greaterThan(heights[0]! * 2);
    expect(await p.$$eval("#grid tr.size td .v", (td) => td.map((t) => t.textContent))).to.deep.equal(["2", "2", "1", "1"]);
  });

  it("clicking a channel shows what its handlers did; its state only on the live page", async () => {
    const p = await open(sample());
    await p.click('#grid tbody tr[data-fd="5"] button');
    const text = await shown(p, "fd 5 · EchoHandler");
    expect(text).to.include("fd 5 · EchoHandler");
    expect(text).to.include("In the map from #2 to #3, then closed.");
    expect(text).to.include("#2 ready POLLIN POLLOUT, ran readwrite POLLIN|POLLOUT → recv 6 B, send 6 B");
    expect(text).to.include("shown on the live page only");
    expect(await p.getAttribute('#grid tbody tr[data-fd="5"] button', "aria-pressed")).to.equal("true");
  });

  it("clicking an iteration's number shows the whole iteration", async () => {
    const p = await open(sample());
    await p.click('#grid thead button[data-n="2"]');
    await shown(p, "Iteration #2");
    const text = await p.textContent("#detail pre");
    expect(text).to.equal([
      "poll(timeout 30 s)", "  asked readable: 3 5", "  asked writable: 5", "waited 0.50 ms, woke: ready",
      "fd 5 EchoHandler: POLLIN POLLOUT\n  → readwrite POLLIN|POLLOUT: recv 6 B, send 6 B", "map: 2 channels at the end",
    ].join("\n"));
  });

  it("exported, shows every iteration of the snapshot", async () => {
    const p = await open(sample(100));
    expect(await p.locator("#grid thead th[data-n]").count()).to.equal(100);
  });

  it("with ?window=N, keeps the last N iterations and only the channels that overlap them", async () => {
    const snap = sample(100);
    const p = await open({ ...snap, channels: [...snap.channels, { fd: 9, cls: "Late", repr: "<Late>", first: 50, last: 99 }] }, "?window=60");
    const cols = await p.$$eval("#grid thead th[data-n]", (th) => th.map((t) => Number((t as HTMLElement).dataset.n)));
    expect(cols).to.have.length(60);
    expect(cols[0]).to.equal(41);
    expect(cols[59]).to.equal(100);
    expect(await p.$$eval("#grid tbody tr", (tr) => tr.map((t) => (t as HTMLElement).dataset.fd))).to.deep.equal(["3", "9"]);
  });
});
