// Step mode from code: pause() holds a map's loop at the end of an iteration, step() runs exactly
// one more, resume() lets it run; timers and other maps run on, and no byte is lost meanwhile.
import { expect } from "chai";
import type * as net from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import { ValueError } from "../../src/errno/index.js";
import * as socket from "../../src/socket/index.js";
import { within } from "../helpers/asyncore.js";
import { Echo, EchoServer } from "../helpers/echo_map.js";
import { connect_client, pattern, receive_exactly, wait_for } from "../helpers/net.js";

/** A client channel that is writable while `on`: every iteration then finds it ready at once. */
class Busy extends asyncore.dispatcher {
  on = false;
  constructor(map: asyncore.SocketMap, port: number) {
    super(null, map);
    this.create_socket(socket.AF_INET);
    this.connect(["127.0.0.1", port]);
  }
  override readable(): boolean {
    return false;
  }
  override writable(): boolean {
    return this.on || !this.connected;
  }
  override handle_write(): void {}
}

/** Iterations of `map` as an observer sees them. */
class Seen {
  readonly traces: asyncore.IterationTrace[] = [];
  private readonly stop: () => void;
  constructor(map: asyncore.SocketMap) {
    this.stop = asyncore.add_observer((t) => {
      if (t.map === map) this.traces.push(t);
    });
  }
  get count(): number {
    return this.traces.length;
  }
  close(): void {
    this.stop();
  }
}

/** Resolves when the loop over `map` holds with no step left (waits for step() or resume()). */
function holding(map: asyncore.SocketMap, what = "the loop to hold"): Promise<void> {
  let stop = (): void => undefined;
  const p = new Promise<void>((resolve) => {
    const now = asyncore.step_status(map);
    if (now.holding && now.steps === 0) return resolve();
    stop = asyncore.on_step_change(map, (s) => {
      if (s.holding && s.steps === 0) resolve();
    });
  });
  return within(p, 5000, what).finally(() => stop());
}

for (const use_poll of [false, true]) {
  const kind = use_poll ? "poll" : "select";

  describe(`step mode from code (${kind} loop)`, () => {
    let map: asyncore.SocketMap;
    let server: EchoServer;
    let seen: Seen;
    let looping: Promise<void>;
    let clients: net.Socket[];

    beforeEach(async () => {
      map = new Map();
      server = new EchoServer(map);
      seen = new Seen(map);
      clients = [];
      looping = asyncore.loop({ timeout: 30, use_poll, map });
    });

    afterEach(async () => {
      for (const c of clients) c.destroy();
      asyncore.resume(map);
      asyncore.close_all(map);
      await within(looping, 5000, "loop() to end");
      seen.close();
    });

    async function client(): Promise<net.Socket> {
      const c = await connect_client({ host: "127.0.0.1", port: server.port });
      clients.push(c);
      c.write("x");
      await receive_exactly(c, 1);
      return c;
    }

    it("pause() wakes a loop waiting 30 s and holds it; step() runs exactly one iteration, step(map, 3) three", async () => {
      const c = await client();
      asyncore.pause(map);
      await holding(map);
      const before = seen.count;
      const echo = server.handlers[0] as Echo;

      c.write("abc");
      // The bytes are at the server's socket, and no iteration takes them.
      await wait_for(echo.socket!, socket.POLLIN);
      expect(seen.count).to.equal(before);
      expect(echo.received).to.equal(1);

      const got = receive_exactly(c, 3);
      asyncore.step(map);
      expect(asyncore.step_status(map)).to.deep.equal({ paused: true, steps: 1, holding: true });
      await holding(map, "the loop to hold after the step");
      expect(seen.count).to.equal(before + 1);
      expect(asyncore.step_status(map)).to.deep.equal({ paused: true, steps: 0, holding: true });
      const t = seen.traces[before] as asyncore.IterationTrace;
      expect(t.dispatched.map((d) => d.actions)).to.deep.equal([[{ kind: "recv", bytes: 3 }, { kind: "send", bytes: 3 }]]);
      expect((await got).toString()).to.equal("abc");

      // Three iterations that find something ready at once (else each waits its 30 s).
      const busy = new Busy(map, server.port);
      busy.on = true;
      asyncore.step(map, 3);
      await holding(map, "the loop to hold after three steps");
      expect(seen.count).to.equal(before + 4);
      busy.close();
      expect(() => asyncore.step(map, 0)).to.throw(ValueError, "step count must be a positive integer, not 0");
      expect(() => asyncore.step(map, 1.5)).to.throw(ValueError);
      expect(() => asyncore.step(map, "2" as unknown as number)).to.throw(TypeError, "step count must be an integer, not 'str'");
    });

    it("holds what a client writes during the pause and handles every byte after resume()", async () => {
      const c = await client();
      asyncore.pause(map);
      await holding(map);
      const echo = server.handlers[0] as Echo;
      const data = pattern(3 * 1024 * 1024, 7);
      const back = receive_exactly(c, data.length, 20000);
      c.write(data);
      await wait_for(echo.socket!, socket.POLLIN);
      expect(echo.received).to.equal(1);
      asyncore.resume(map);
      expect(asyncore.step_status(map)).to.deep.equal({ paused: false, steps: 0, holding: true });
      const got = await back;
      expect(got.length).to.equal(data.length);
      expect(got.equals(data)).to.equal(true);
      expect(echo.received).to.equal(1 + data.length);
    });

    it("lets timers and a second map's loop run while the first is paused", async () => {
      await client();
      asyncore.pause(map);
      await holding(map);
      const before = seen.count;

      const other: asyncore.SocketMap = new Map();
      const server2 = new EchoServer(other);
      const other_loop = asyncore.loop({ timeout: 30, use_poll, map: other });
      try {
        const timer = await within(new Promise<string>((r) => setTimeout(() => r("fired"), 20)), 2000, "a timer");
        expect(timer).to.equal("fired");
        const c2 = await connect_client({ host: "127.0.0.1", port: server2.port });
        clients.push(c2);
        c2.write("second map");
        expect((await receive_exactly(c2, 10)).toString()).to.equal("second map");
        expect(seen.count).to.equal(before);
      } finally {
        asyncore.close_all(other);
        await within(other_loop, 5000, "the second loop to end");
      }
    });

    it("step() on a running loop pauses it after one iteration", async () => {
      await client();
      const busy = new Busy(map, server.port);
      await within(new Promise<void>((r) => {
        const stop = asyncore.add_observer((t) => {
          if (t.map === map && busy.connected) {
            stop();
            r();
          }
        });
      }), 5000, "the busy channel to connect");
      busy.on = true;
      const before = seen.count;
      asyncore.step(map);
      await holding(map);
      busy.on = false;
      // The iteration in progress ends when step() wakes it; then the granted one runs.
      expect(seen.count - before).to.equal(2);
    });

    it("close_all() on a paused map ends its loop", async () => {
      await client();
      asyncore.pause(map);
      await holding(map);
      asyncore.close_all(map);
      await within(looping, 5000, "loop() to end");
      expect(map.size).to.equal(0);
    });
  });
}

describe("step mode: channels set aside are served while paused", () => {
  let map: asyncore.SocketMap;
  let looping: Promise<void>;
  let seen: Seen;
  const clients: net.Socket[] = [];

  beforeEach(() => {
    map = new Map();
    seen = new Seen(map);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    asyncore.resume(map);
    asyncore.close_all(map);
    await within(looping, 5000, "loop() to end");
    seen.close();
  });

  it("answers the channel set aside during the pause in side iterations nobody observes, and its iterations use up no step", async () => {
    const user = new EchoServer(map);
    const aside = new (class extends EchoServer {
      override handle_accepted(sock: socket.socket): void {
        const h = new Echo(sock, this._map);
        this.handlers.push(h);
        asyncore.set_aside(h, this._map);
      }
    })(map);
    asyncore.set_aside(aside, map);
    expect(asyncore.is_aside(map, aside._fileno as number)).to.equal(true);
    expect(asyncore.is_aside(map, user._fileno as number)).to.equal(false);
    const elsewhere = new EchoServer(new Map());
    expect(() => asyncore.set_aside(elsewhere, map)).to.throw(/not in that map/);
    elsewhere.close();
    // The user's connection is accepted before the pause, so that the step below has it to serve.
    const accepted = new Promise<void>((resolve) => {
      const handle_accepted = user.handle_accepted.bind(user);
      user.handle_accepted = (sock: socket.socket): void => {
        handle_accepted(sock);
        resolve();
      };
    });
    looping = asyncore.loop({ timeout: 30, map });
    const u = await connect_client({ host: "127.0.0.1", port: user.port });
    clients.push(u);
    await within(accepted, 5000, "the user's connection to be accepted");

    asyncore.pause(map);
    await holding(map);
    const before = seen.count;
    const a = await connect_client({ host: "127.0.0.1", port: aside.port });
    clients.push(a);
    a.write("served while paused");
    expect((await receive_exactly(a, 19)).toString()).to.equal("served while paused");
    expect(seen.count).to.equal(before);

    // A granted iteration in which only the aside channel is ready does not use up the step.
    asyncore.step(map);
    a.write("!");
    await receive_exactly(a, 1);
    u.write("u");
    await receive_exactly(u, 1);
    await holding(map);
    const counted = seen.traces.slice(before).filter((t) => !asyncore.aside_only(t));
    expect(counted).to.have.length(1);
    expect(counted[0]!.dispatched.map((d) => d.fd)).to.deep.equal([user.handlers[0]!._fileno]);
  });
});

for (const use_poll of [false, true]) {
  describe(`step mode: ${use_poll ? "poll2" : "poll"}() called directly on a paused map`, () => {
    let map: asyncore.SocketMap;
    beforeEach(() => {
      map = new Map();
    });
    afterEach(() => {
      asyncore.resume(map);
      asyncore.close_all(map);
    });

    it("holds until resume(), then runs its iteration", async () => {
      const server = new EchoServer(map);
      const seen = new Seen(map);
      try {
        asyncore.pause(map);
        let returned = false;
        const polled = (use_poll ? asyncore.poll2 : asyncore.poll)(0, map).then(() => (returned = true));
        await holding(map);
        expect(returned).to.equal(false);
        expect(seen.count).to.equal(0);
        asyncore.resume(map);
        await within(polled, 5000, "poll() to return after resume()");
        expect(seen.count).to.equal(1);
        expect(seen.traces[0]!.readable.map((r) => r.fd)).to.deep.equal([server._fileno]);
      } finally {
        seen.close();
      }
    });
  });
}
