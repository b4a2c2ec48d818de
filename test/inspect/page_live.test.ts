// The live inspector page in a browser: served by the loop it shows, it follows a client, steps the loop, shows a channel's state.
import { expect } from "chai";
import type { Page } from "playwright-core";
import * as asyncore from "../../src/asyncore/index.js";
import { inspect, type Inspector } from "../../src/inspect/index.js";
import * as socket from "../../src/socket/index.js";
import { browser_or_skip, type TestBrowser } from "../helpers/browser.js";
import { LineClient, with_timeout } from "../helpers/clients.js";
import { LoopbackListener } from "../helpers/loopback_listener.js";

class Echo extends asyncore.dispatcher_with_send {
  override handle_read(): void {
    const data = this.recv(8192);
    if (data.length) this.send(data);
  }
}

class EchoServer extends LoopbackListener {

  override handle_accepted(sock: socket.socket): void {
    new Echo(sock, this._map);
  }
}

describe("the live inspector page, in a browser", function () {
  this.timeout(60000);
  let b: TestBrowser | undefined;
  let page: Page | undefined;
  let map: asyncore.SocketMap;
  let server: EchoServer;
  let insp: Inspector | null = null;
  let looping: Promise<void> | null = null;
  let client: LineClient | null = null;
  let errors: string[] = [];

  before(async function () {
    b = await browser_or_skip(this);
  });

  beforeEach(async () => {
    map = new Map();
    server = new EchoServer(map);
    insp = inspect({ map, title: "echo under test" });
    // A long timeout: no column appears unless something happens.
    looping = asyncore.loop({ map, timeout: 30 });
    errors = [];
    page = await b!.browser.newPage();
    page.setDefaultTimeout(10000);
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(insp.url);
    await status(/running/);
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    client?.close();
    client = null;
    insp?.close();
    insp = null;
    asyncore.close_all(map);
    if (looping) await with_timeout(looping, 5000, "loop() to return after close_all");
    looping = null;
    expect(errors, "errors on the page").to.deep.equal([]);
  });

  after(async () => {
    await b?.close();
  });

  /** Waits until the status pill matches. */
  async function status(re: RegExp): Promise<string> {
    const loc = page!.locator("#status", { hasText: re });
    await loc.waitFor();
    return (await loc.textContent()) ?? "";
  }

  function columns(): Promise<number[]> {
    return page!.$$eval("#grid thead th[data-n]", (th) => th.map((t) => Number((t as HTMLElement).dataset.n)));
  }

  /** The fd of the client's Echo channel, once its row is on the page (and the same as in the map). */
  async function client_row(): Promise<number> {
    const row = page!.locator("#grid tbody tr", { has: page!.locator("th button", { hasText: /^\d+ Echo</ }) });
    await row.waitFor();
    const fd = Number(await row.getAttribute("data-fd"));
    expect(map.get(fd)).to.be.instanceOf(Echo);
    return fd;
  }

  it("shows the server's row, then the row of a client's channel once it connects", async () => {
    await page!.locator(`#grid tbody tr[data-fd="${server._fileno}"]`, { hasText: "EchoServer" }).waitFor();
    expect(await page!.locator("#grid tbody tr th button", { hasText: /^\d+ Echo</ }).count()).to.equal(0);
    client = await LineClient.connect(server.socket!.getsockname() as [string, number]);
    const fd = await client_row();
    await page!.locator(`#grid tbody tr[data-fd="${fd}"]`).waitFor();
    // The accept is in a column of the server's row.
    await page!.locator(`#grid tbody tr[data-fd="${server._fileno}"] td .accept`).waitFor();
  });

  it("paused, Step runs exactly one iteration: one new column, in which the client's line is read and echoed", async () => {
    client = await LineClient.connect(server.socket!.getsockname() as [string, number]);
    const fd = await client_row();
    await page!.click("#pause");
    const paused = await status(/paused after #\d+$/);
    const before = await columns();
    expect(paused).to.equal(`❚❚ paused after #${before[before.length - 1]}`);
    expect(await page!.isDisabled("#pause")).to.equal(true);
    expect(await page!.isEnabled("#step")).to.equal(true);

    client.sock.write("hello\n");
    // Paused: the line waits in the socket; nothing is read and no column appears.
    await page!.click(`#grid tbody tr[data-fd="${fd}"] button`);
    await page!.locator("#detail pre", { hasText: "len(ch.out_buffer)" }).waitFor();
    expect(client.raw.length).to.equal(0);
    expect(await columns()).to.deep.equal(before);

    await page!.click("#step");
    // The numbers skip iterations that served only the inspector (the step's own answer, say).
    const last = before[before.length - 1]!;
    const stepped = await status(new RegExp(`paused after #(?!${last}$)\\d+$`));
    const n = Number(/#(\d+)$/.exec(stepped)![1]);
    expect(n).to.be.greaterThan(last);
    expect(await columns()).to.deep.equal([...before, n]);
    expect(await page!.textContent(`#grid tbody tr[data-fd="${fd}"] td[data-n="${n}"] .did`)).to.equal("↓6 ↑6");
    expect(await client.read_line()).to.equal("hello");

    await page!.click("#resume");
    await status(/running/);
  });

  it("shows the inspector's own channels, marked, below the program's, and hides them on request", async () => {
    client = await LineClient.connect(server.socket!.getsockname() as [string, number]);
    const fd = await client_row();
    const labels = () => page!.$$eval("#grid tbody tr th button", (bs) => bs.map((x) => x.firstChild?.nextSibling?.textContent?.trim()));
    const all = await labels();
    expect(all.slice(0, 2)).to.deep.equal(["EchoServer", "Echo"]);
    expect(all.slice(2)).to.include("InspectorServer (inspector)");
    expect(all.slice(2).every((l) => / \(inspector\)$/.test(l ?? ""))).to.equal(true);
    await page!.uncheck("#own");
    await page!.locator("#grid tbody tr", { hasText: "(inspector)" }).first().waitFor({ state: "detached" });
    expect(await labels()).to.deep.equal(["EchoServer", "Echo"]);
    expect(await page!.getAttribute("#grid tbody tr:nth-child(2)", "data-fd")).to.equal(String(fd));
  });

  it("keeps a bounded window of the last 60 iterations as the loop goes on", async () => {
    client = await LineClient.connect(server.socket!.getsockname() as [string, number]);
    await client_row();
    // One line at a time, each echoed before the next: at least one iteration each.
    for (let i = 0; i < 70; i++) {
      client.sock.write(`line ${i}\n`);
      expect(await client.read_line()).to.equal(`line ${i}`);
    }
    const last = insp!.snapshot().control.n;
    await page!.locator(`#grid thead th[data-n="${last}"]`).waitFor();
    const cols = await columns();
    expect(cols).to.have.length(60);
    expect(cols[59]).to.equal(last);
    expect(cols).to.deep.equal([...cols].sort((a, b) => a - b));
  });

  it("the keys p, s and r pause, step and resume", async () => {
    await page!.keyboard.press("p");
    const paused = await status(/paused after #\d+$/);
    client = await LineClient.connect(server.socket!.getsockname() as [string, number]);
    await page!.keyboard.press("s");
    // The step's iteration is the accept: the client's row appears, and the loop holds again.
    await client_row();
    await status(new RegExp(`paused after #(?!${/#(\d+)$/.exec(paused)![1]}$)\\d+$`));
    await page!.keyboard.press("r");
    await status(/running/);
  });

  it("says so when the inspector goes away, and its buttons are disabled", async () => {
    insp!.close();
    insp = null;
    await status(/disconnected/);
    for (const id of ["#pause", "#step", "#resume"]) expect(await page!.isDisabled(id)).to.equal(true);
  });

  it("clicking a channel's row shows its state as Python prints it", async () => {
    client = await LineClient.connect(server.socket!.getsockname() as [string, number]);
    const fd = await client_row();
    const peer = client.sock.address() as { port: number };
    await page!.click(`#grid tbody tr[data-fd="${fd}"] button`);
    const pre = page!.locator("#detail pre.py");
    await pre.waitFor();
    expect(await pre.textContent()).to.equal([
      `>>> ch = socket_map[${fd}]`, ">>> ch", String(map.get(fd)),
      ">>> ch.connected, ch.accepting, ch.connecting", "(True, False, False)",
      ">>> ch.addr", `('127.0.0.1', ${peer.port})`,
      ">>> ch.socket.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)", "0",
      ">>> len(ch.out_buffer)", "0",
    ].join("\n"));
    // The listening server, clicked in a cell of its row, is accepting.
    await page!.click(`#grid tbody tr[data-fd="${server._fileno}"] td[data-n]`);
    await page!.locator("#detail pre.py", { hasText: "(False, True, False)" }).waitFor();
  });
});
