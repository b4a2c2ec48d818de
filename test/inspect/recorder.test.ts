// The inspector's records of one map's loop: iterations as columns of cells, channels as rows.
import { expect } from "chai";
import type * as net from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import { Recorder, to_record, type IterationRecord } from "../../src/inspect/index.js";
import * as socket from "../../src/socket/index.js";
import { connect_client, next_event, receive_exactly } from "../helpers/net.js";
import { LoopbackListener } from "../helpers/loopback_listener.js";

class Echo extends asyncore.dispatcher_with_send {
  override handle_read(): void {
    const d = this.recv(65536);
    if (d.length > 0) this.send(d);
  }
  override handle_close(): void {
    this.close();
  }
}

class Server extends LoopbackListener {
  get port(): number {
    return (this.socket!.getsockname() as [string, number])[1];
  }
  override handle_accepted(sock: socket.socket): void {
    new Echo(sock, this._map);
  }
}

/** What does not vary between runs. */
function stable(r: IterationRecord): Omit<IterationRecord, "waited_ms" | "at_ms"> {
  const { waited_ms: _w, at_ms: _a, ...rest } = r;
  return rest;
}

describe("inspect: an iteration trace as a record", () => {
  it("gives each channel asked or ready one cell, in the order the loop asked", () => {
    const map: asyncore.SocketMap = new Map();
    const t: asyncore.IterationTrace = {
      map, iteration: 7, mode: "select", timeout: 1.5,
      readable: [{ fd: 3, repr: "<L>" }, { fd: 5, repr: "<E>" }],
      writable: [{ fd: 5, repr: "<E>" }, { fd: 6, repr: "<W>" }],
      exceptional: [{ fd: 3, repr: "<L>" }, { fd: 5, repr: "<E>" }, { fd: 6, repr: "<W>" }],
      ready: [{ fd: 5, repr: "<E>", events: ["read", "write"] }, { fd: 9, repr: "<gone>", events: ["read"] }],
      dispatched: [
        { fd: 5, repr: "<E>", handler: "read", actions: [{ kind: "recv", bytes: 4 }] },
        { fd: 5, repr: "<E>", handler: "write", actions: [{ kind: "send", bytes: 4 }, { kind: "close" }] },
      ],
      waited_ms: 2.5, woke: "ready",
    };
    expect(to_record(t, 100)).to.deep.equal({
      n: 7, mode: "select", timeout: 1.5, waited_ms: 2.5, woke: "ready", at_ms: 100, map_size: 0,
      cells: [
        { fd: 3, asked: "r", ready: [], handler: null, did: [] },
        { fd: 5, asked: "rw", ready: ["read", "write"], handler: "read, write", did: [{ kind: "recv", bytes: 4 }, { kind: "send", bytes: 4 }, { kind: "close" }] },
        { fd: 6, asked: "w", ready: [], handler: null, did: [] },
        { fd: 9, asked: "", ready: ["read"], handler: null, did: [] },
      ],
    });
  });
});

for (const use_poll of [false, true]) {
  describe(`inspect: the recorder over a live map (${use_poll ? "poll" : "select"} loop)`, () => {
    let map: asyncore.SocketMap;
    let rec: Recorder;
    let clients: net.Socket[];
    beforeEach(() => {
      map = new Map();
      clients = [];
    });
    afterEach(() => {
      for (const c of clients) c.destroy();
      rec.close();
      asyncore.close_all(map);
    });

    async function until(done: () => boolean, what: string, timeout = 1): Promise<void> {
      const deadline = performance.now() + 5000;
      while (!done()) {
        if (performance.now() > deadline) throw new Error(`not reached: ${what}`);
        await asyncore.loop({ timeout, count: 1, use_poll, map });
      }
    }

    it("records accept, recv/send and close with exact cells, and rows with the iterations they came and left", async () => {
      const server = new Server(map);
      const sfd = server._fileno as number;
      rec = new Recorder(map);
      const c = await connect_client({ host: "127.0.0.1", port: server.port });
      clients.push(c);
      await until(() => map.size === 2, "the accept");
      const efd = [...map.keys()].find((fd) => fd !== sfd) as number;
      const echo = map.get(efd) as Echo;
      const accepted = rec.iterations().at(-1) as IterationRecord;
      const [host, port] = [c.localAddress, c.localPort];
      const r = use_poll ? { ready: ["POLLIN"], handler: "readwrite POLLIN" } : { ready: ["read"], handler: "read" };
      expect(stable(accepted)).to.deep.equal({
        n: accepted.n, mode: use_poll ? "poll" : "select", timeout: 1, woke: "ready", map_size: 2,
        cells: [{ fd: sfd, asked: "r", ...r, did: [{ kind: "accept", peer: `${host}:${port}` }] }],
      });

      c.write("hello");
      const back = receive_exactly(c, 5);
      await until(() => rec.iterations().some((x) => x.cells.some((k) => k.fd === efd && k.did.length > 0)), "the echo");
      await back;
      const echoed = rec.iterations().at(-1) as IterationRecord;
      expect(echoed.cells).to.deep.equal([
        { fd: sfd, asked: "r", ready: [], handler: null, did: [] },
        { fd: efd, asked: "r", ...r, did: [{ kind: "recv", bytes: 5 }, { kind: "send", bytes: 5 }] },
      ]);

      c.end();
      const closed = next_event(c, "close");
      await until(() => map.size === 1, "the close");
      await closed;
      const last = rec.iterations().at(-1) as IterationRecord;
      expect(last.map_size).to.equal(1);
      expect(last.cells.find((k) => k.fd === efd)?.did.at(-1)).to.deep.equal({ kind: "close" });
      expect(rec.channels()).to.deep.equal([
        { fd: sfd, cls: "Server", repr: String(server), first: 1, last: null },
        { fd: efd, cls: "Echo", repr: String(echo), first: accepted.n, last: last.n },
      ]);
      expect(rec.last).to.equal(last.n);
      expect(rec.iterations().map((x) => x.n)).to.deep.equal(Array.from({ length: last.n }, (_, i) => i + 1));
    });

    it("keeps only the last `capacity` iterations, and the rows of channels gone before them go too", async () => {
      const server = new Server(map);
      rec = new Recorder(map, { capacity: 3 });
      const c = await connect_client({ host: "127.0.0.1", port: server.port });
      clients.push(c);
      await until(() => map.size === 2, "the accept");
      c.destroy();
      await until(() => map.size === 1, "the close");
      const gone = rec.channels().find((x) => x.cls === "Echo")?.last as number;
      expect(gone).to.be.a("number");
      await until(() => rec.last >= gone + 3, "three more iterations", 0.01);
      const kept = rec.iterations();
      expect(kept.map((x) => x.n)).to.deep.equal([rec.last - 2, rec.last - 1, rec.last]);
      expect(rec.channels().map((x) => x.cls)).to.deep.equal(["Server"]);
      expect(() => new Recorder(map, { capacity: 0 })).to.throw(RangeError);
    });

    it("keeps fewer iterations when they would hold more than max_cells cells, but always the newest", async () => {
      new Server(map);
      rec = new Recorder(map, { max_cells: 3 });
      const tiny = new Recorder(map, { max_cells: 1 });
      try {
        new Server(map); // two channels: two cells per iteration
        await asyncore.loop({ timeout: 0, count: 4, use_poll, map });
        expect(rec.iterations().map((x) => [x.n, x.cells.length])).to.deep.equal([[4, 2]]);
        expect(tiny.iterations().map((x) => x.n)).to.deep.equal([4]);
        expect(() => new Recorder(map, { max_cells: 0 })).to.throw(RangeError);
      } finally {
        tiny.close();
      }
    });

    it("stops observing on close()", async () => {
      new Server(map);
      rec = new Recorder(map);
      await asyncore.loop({ timeout: 0, count: 2, use_poll, map });
      rec.close();
      await asyncore.loop({ timeout: 0, count: 2, use_poll, map });
      expect(rec.iterations().map((x) => x.n)).to.deep.equal([1, 2]);
      expect(rec.recording).to.equal(false);
      // What an exported file embeds: live false, a loop running after the last kept iteration.
      expect(rec.snapshot("export", false)).to.deep.equal({
        title: "export", channels: rec.channels(), iterations: rec.iterations(), control: { paused: false, n: 2, steps: 0 },
        live: false, inspector_iterations: 0,
      });
    });
  });
}
