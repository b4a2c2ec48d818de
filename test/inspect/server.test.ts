// The inspector as a page sees it: its HTTP routes, live events, step mode from the page, and close().
import { expect } from "chai";
import * as net from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import * as trace from "../../src/asyncore/trace.js";
import {
  event_frame, inspect, offer, page_html, type ChannelRow, type ChannelState, type Control, type EventSink, type Inspector,
  type IterationRecord, type Snapshot,
} from "../../src/inspect/index.js";
import * as socket from "../../src/socket/index.js";
import { within } from "../helpers/asyncore.js";
import { Echo, EchoServer } from "../helpers/echo_map.js";
import { EventStream, json, request } from "../helpers/inspect_client.js";
import { connect_client, next_event, pattern, receive_exactly, wait_for } from "../helpers/net.js";

/** Resolves once the loop over `map` holds with no step left. */
function holding(map: asyncore.SocketMap): Promise<void> {
  let stop = (): void => undefined;
  const p = new Promise<void>((resolve) => {
    const s = asyncore.step_status(map);
    if (s.holding && s.steps === 0) return resolve();
    stop = asyncore.on_step_change(map, (x) => {
      if (x.holding && x.steps === 0) resolve();
    });
  });
  return within(p, 5000, "the loop to hold").finally(() => stop());
}

/** One raw connection: what a request written as-is gets back, until the server closes. */
async function raw(port: number, text: string): Promise<string> {
  const c = await connect_client({ host: "127.0.0.1", port });
  const chunks: Buffer[] = [];
  c.on("data", (d: Buffer) => chunks.push(d));
  c.write(text);
  // Half-open allowed: the server's FIN is `end`; then this side closes too.
  await next_event(c, "end");
  c.destroy();
  return Buffer.concat(chunks).toString("latin1");
}

for (const use_poll of [false, true]) {
  describe(`inspect: the inspector served by the loop it shows (${use_poll ? "poll" : "select"} loop)`, () => {
    let map: asyncore.SocketMap;
    let server: EchoServer;
    let insp: Inspector;
    let looping: Promise<void>;
    let streams: EventStream[];
    let clients: net.Socket[];

    beforeEach(() => {
      map = new Map();
      server = new EchoServer(map);
      insp = inspect({ map, title: "test map" });
      streams = [];
      clients = [];
      looping = asyncore.loop({ timeout: 30, use_poll, map });
    });

    afterEach(async () => {
      for (const s of streams) s.close();
      for (const c of clients) c.destroy();
      insp.close();
      asyncore.resume(map);
      asyncore.close_all(map);
      await within(looping, 5000, "loop() to end");
    });

    async function client(): Promise<net.Socket> {
      const c = await connect_client({ host: "127.0.0.1", port: server.port });
      clients.push(c);
      return c;
    }

    it("answers GET /, /snapshot, /channel and refuses what it does not serve", async () => {
      const page = await request(insp.url);
      expect(page.status).to.equal(200);
      expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
      expect(page.body).to.equal(page_html(null));

      const snap = await json<Snapshot>(new URL("/snapshot", insp.url).href);
      expect(snap.title).to.equal("test map");
      expect(snap.live).to.equal(true);
      expect(snap.control).to.deep.equal({ paused: false, n: snap.iterations.at(-1)?.n ?? 0, steps: 0 });
      const own = snap.channels.find((r) => r.cls === "InspectorServer") as ChannelRow;
      expect(own).to.include({ first: 1, last: null, inspector: true });
      const user = snap.channels.find((r) => r.cls === "EchoServer") as ChannelRow;
      expect(user).to.deep.equal({ fd: server._fileno, cls: "EchoServer", repr: String(server), first: 1, last: null });

      const st = await json<ChannelState>(new URL(`/channel?fd=${server._fileno}`, insp.url).href);
      expect(st).to.deep.equal({
        fd: server._fileno, cls: "EchoServer", repr: String(server), connected: false, accepting: true, connecting: false,
        addr: "('127.0.0.1', 0)", so_error: 0,
      });
      expect((await request(new URL("/channel?fd=100000", insp.url).href)).status).to.equal(404);
      expect((await request(new URL("/channel?fd=x", insp.url).href)).status).to.equal(400);
      expect((await request(new URL("/nothing", insp.url).href)).status).to.equal(404);
      const post_page = await request(insp.url, "POST");
      expect([post_page.status, post_page.headers.allow]).to.deep.equal([405, "GET"]);
      const get_pause = await request(new URL("/pause", insp.url).href);
      expect([get_pause.status, get_pause.headers.allow]).to.deep.equal([405, "POST"]);
      expect((await request(new URL("/step?count=0", insp.url).href, "POST")).status).to.equal(400);
    });

    it("keeps a connection alive across requests, and refuses a bad or oversized request head", async () => {
      const port = (insp.address as [string, number])[1];
      const two = await raw(port, "GET /snapshot HTTP/1.1\r\nHost: x\r\n\r\nGET /nothing HTTP/1.1\r\nConnection: close\r\n\r\n");
      expect(two.match(/HTTP\/1\.1 \d{3}/g)).to.deep.equal(["HTTP/1.1 200", "HTTP/1.1 404"]);
      expect(await raw(port, "NONSENSE\r\n\r\n")).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      const other_site = `POST /pause HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://example.com\r\nConnection: close\r\n\r\n`;
      expect(await raw(port, other_site)).to.match(/^HTTP\/1\.1 403 Forbidden\r\n/);
      const same_site = `POST /resume HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
      expect(await raw(port, same_site)).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(await raw(port, `GET / HTTP/1.1\r\nX: ${"a".repeat(20000)}\r\n\r\n`)).to.match(/^HTTP\/1\.1 431 /);
      expect(await raw(port, "POST /pause HTTP/1.1\r\nContent-Length: 100000\r\n\r\n")).to.match(/^HTTP\/1\.1 413 /);
      expect(asyncore.step_status(map).paused).to.equal(false);
    });

    it("reads no further request from a connection whose answers wait unread past the bound", async () => {
      const c = await connect_client({ host: "127.0.0.1", port: (insp.address as [string, number])[1] });
      clients.push(c);
      c.write("GET /nothing HTTP/1.1\r\n\r\n");
      await receive_exactly(c, 1);
      const ch = [...map.values()].find((x) => x.constructor.name === "InspectorChannel") as asyncore.Channel & { queued: number };
      expect(ch.readable()).to.equal(true);
      ch.queued = 1024 * 1024 + 1;
      expect(ch.readable()).to.equal(false);
      ch.queued = 0;
      expect(ch.readable()).to.equal(true);
    });

    it("sends iteration and channel events to a page as the loop runs", async () => {
      const page = await EventStream.open(insp.url);
      streams.push(page);
      expect(page.status).to.equal(200);
      expect(page.content_type).to.equal("text/event-stream");
      await within((async () => { while (insp.watchers === 0) await new Promise((r) => setImmediate(r)); })(), 5000, "the page to be counted");
      const c = await client();
      const row = await page.next<ChannelRow>("channel", (r) => r.cls === "Echo");
      expect(row.last).to.equal(null);
      c.write("ping");
      await receive_exactly(c, 4);
      const it = await page.next<IterationRecord>("iteration", (r) => r.cells.some((k) => k.fd === row.fd && k.did.length > 0));
      expect(it.cells.find((k) => k.fd === row.fd)?.did).to.deep.equal([{ kind: "recv", bytes: 4 }, { kind: "send", bytes: 4 }]);
      c.destroy();
      const gone = await page.next<ChannelRow>("channel", (r) => r.fd === row.fd && r.last !== null);
      expect(gone.last).to.be.greaterThan(it.n);
      // Iterations in which only the inspector's channels were ready are not columns.
      const snap = await json<Snapshot>(new URL("/snapshot", insp.url).href);
      const own = new Set(snap.channels.filter((r) => r.inspector).map((r) => r.fd));
      for (const r of snap.iterations) {
        const ready = r.cells.filter((k) => k.ready.length > 0);
        if (ready.length > 0) expect(ready.every((k) => own.has(k.fd)), `iteration ${r.n}`).to.equal(false);
      }
      expect(snap.inspector_iterations).to.be.greaterThan(0);
    });

    it("POST /step runs exactly one iteration, while the paused loop still serves the inspector", async () => {
      const page = await EventStream.open(insp.url);
      streams.push(page);
      const c = await client();
      c.write("1");
      await receive_exactly(c, 1);
      const paused = await json<Control>(new URL("/pause", insp.url).href, "POST");
      expect(paused.paused).to.equal(true);
      await holding(map);
      const before = await json<Snapshot>(new URL("/snapshot", insp.url).href);
      expect(before.control).to.deep.equal({ paused: true, n: before.iterations.at(-1)!.n, steps: 0 });
      const echo = server.handlers[0] as Echo;
      c.write("abc");
      await wait_for(echo.socket!, socket.POLLIN);
      const from = page.events.length;

      const stepped = await json<Control>(new URL("/step", insp.url).href, "POST");
      expect(stepped).to.deep.equal({ paused: true, n: before.control.n, steps: 1 });
      await holding(map);
      await receive_exactly(c, 3);
      const after = await json<Snapshot>(new URL("/snapshot", insp.url).href);
      expect(after.iterations.length).to.equal(before.iterations.length + 1);
      const added = after.iterations.at(-1) as IterationRecord;
      expect(added.cells.find((k) => k.fd === echo._fileno)?.did).to.deep.equal([{ kind: "recv", bytes: 3 }, { kind: "send", bytes: 3 }]);
      expect(after.control).to.deep.equal({ paused: true, n: added.n, steps: 0 });
      await page.next<Control>("control", (x) => x.n === added.n && x.steps === 0, from);
      expect(page.events.slice(from).filter((e) => e.event === "iteration").map((e) => (e.data as IterationRecord).n)).to.deep.equal([added.n]);

      const resumed = await json<Control>(new URL("/resume", insp.url).href, "POST");
      expect(resumed).to.deep.equal({ paused: false, n: added.n, steps: 0 });
    });

    it("a loop paused from the page holds what a client writes and handles every byte after /resume", async () => {
      const c = await client();
      await json<Control>(new URL("/pause", insp.url).href, "POST");
      await holding(map);
      const data = pattern(1024 * 1024, 3);
      const back = receive_exactly(c, data.length, 20000);
      c.write(data);
      await wait_for((server.handlers[0] as Echo).socket!, socket.POLLIN);
      expect((server.handlers[0] as Echo).received).to.equal(0);
      await json<Control>(new URL("/resume", insp.url).href, "POST");
      expect((await back).equals(data)).to.equal(true);
    });
  });
}

describe("inspect: close() and the event bound", () => {
  it("close() takes the inspector's channels out of the map, stops observing, resumes a map paused from the page", async () => {
    const map: asyncore.SocketMap = new Map();
    const server = new EchoServer(map);
    const insp = inspect({ map });
    const looping = asyncore.loop({ timeout: 30, map });
    const page = await EventStream.open(insp.url);
    try {
      await json<Control>(new URL("/pause", insp.url).href, "POST");
      await holding(map);
      expect(trace.tracing).to.equal(true);
      insp.close();
      expect([...map.values()]).to.deep.equal([server]);
      expect(asyncore.step_status(map)).to.include({ paused: false });
      expect(trace.tracing).to.equal(false);
      insp.close();
    } finally {
      page.close();
      asyncore.close_all(map);
      await within(looping, 5000, "loop() to end");
    }
  });

  it("observes the loop only while a page watches or the map is paused, unless record is \"always\"", async () => {
    const map: asyncore.SocketMap = new Map();
    const server = new EchoServer(map);
    const insp = inspect({ map });
    const looping = asyncore.loop({ timeout: 30, map });
    let page: EventStream | null = null;
    let c: net.Socket | null = null;
    try {
      expect(trace.tracing).to.equal(false);
      const idle = await json<Snapshot>(new URL("/snapshot", insp.url).href);
      expect(idle.iterations).to.deep.equal([]);
      expect(idle.channels.map((r) => r.cls)).to.deep.equal(["EchoServer", "InspectorServer", "InspectorChannel"]);
      page = await EventStream.open(insp.url);
      expect(trace.tracing).to.equal(true);
      c = await connect_client({ host: "127.0.0.1", port: server.port });
      await page.next<IterationRecord>("iteration", (r) => r.cells.some((k) => k.did.some((d) => d.kind === "accept")));
      page.close();
      await within((async () => { while (insp.watchers > 0) await new Promise((r) => setTimeout(r, 5)); })(), 5000, "the page to leave");
      expect(trace.tracing).to.equal(false);
      asyncore.pause(map);
      expect(trace.tracing).to.equal(true);
      asyncore.resume(map);
      expect(trace.tracing).to.equal(false);
    } finally {
      c?.destroy();
      page?.close();
      insp.close();
      asyncore.close_all(map);
      await within(looping, 5000, "loop() to end");
    }
    const always = inspect({ map, record: "always" });
    try {
      expect(trace.tracing).to.equal(true);
    } finally {
      always.close();
    }
    expect(trace.tracing).to.equal(false);
  });

  it("inspect() checks its options, and a port in use leaves nothing behind", () => {
    const map: asyncore.SocketMap = new Map();
    expect(() => inspect({ map, events_limit: 10 })).to.throw(RangeError);
    const a = inspect({ map });
    try {
      expect(() => inspect({ map, port: (a.address as [string, number])[1] })).to.throw(socket.OSError);
      expect(map.size).to.equal(1);
    } finally {
      a.close();
    }
    expect(map.size).to.equal(0);
    expect(trace.tracing).to.equal(false);
  });

  it("drops the events a slow page cannot take, then tells it how many before the next", () => {
    const out: string[] = [];
    const sink: EventSink & { queued: number } = {
      queued: 0,
      dropped: 0,
      write_out(data: Buffer) {
        this.queued += data.length;
        out.push(data.toString());
      },
    };
    const f = event_frame("iteration", { n: 1 });
    expect(f.toString()).to.equal('event: iteration\ndata: {"n":1}\n\n');
    const limit = f.length * 3;
    expect(offer(sink, f, limit)).to.equal(true);
    expect(offer(sink, f, limit)).to.equal(true);
    expect(offer(sink, f, limit)).to.equal(true);
    expect(offer(sink, f, limit)).to.equal(false);
    expect(offer(sink, f, limit)).to.equal(false);
    expect(sink.dropped).to.equal(2);
    expect(out).to.have.length(3);
    sink.queued = 0; // the page read everything
    expect(offer(sink, f, limit)).to.equal(true);
    expect(out.slice(3)).to.deep.equal(['event: dropped\ndata: {"events":2}\n\n', f.toString()]);
    expect(sink.dropped).to.equal(0);
  });
});
