// The loop observer's reprs option: an observer that says reprs: false gets fds and no repr is computed; one that wants them gets each computed once per set pass.
import { expect } from "chai";
import { connect, type Socket as NodeSocket } from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { when_waiting } from "../helpers/asyncore.js";

/** A listener whose repr is counted and can be changed; in the read set, ready once a client connects. */
class Counted extends asyncore.dispatcher {
  reprs = 0;
  label = "before";
  override handle_accepted(sock: socket.socket): void {
    sock.close();
  }
  override toString(): string {
    this.reprs++;
    return `<Counted ${this.label}>`;
  }
}

function listener(map: asyncore.SocketMap): Counted {
  const d = new Counted(null, map);
  d.create_socket(socket.AF_INET);
  d.bind(["127.0.0.1", 0]);
  d.listen(5);
  return d;
}

type Refs = { sets: string[]; ready: string[]; run: string[] };

function refs(t: asyncore.IterationTrace): Refs {
  return {
    sets: [...t.readable, ...t.writable, ...t.exceptional].map((r) => `${r.fd} ${r.repr}`),
    ready: t.ready.map((r) => `${r.fd} ${r.repr} ${r.events.join("|")}`),
    run: t.dispatched.map((d) => `${d.fd} ${d.repr} ${d.handler}`),
  };
}

describe("trace: add_observer's reprs option", () => {
  let map: asyncore.SocketMap;
  let d: Counted;
  const stops: Array<() => void> = [];
  const clients: NodeSocket[] = [];

  beforeEach(() => {
    map = new Map();
    d = listener(map);
  });

  afterEach(() => {
    for (const s of stops.splice(0)) s();
    asyncore.close_all(map, true);
    for (const c of clients.splice(0)) c.destroy();
  });

  function observe(opts?: asyncore.ObserverOptions): asyncore.IterationTrace[] {
    const seen: asyncore.IterationTrace[] = [];
    stops.push(asyncore.add_observer((t) => {
      if (t.map === map) seen.push(t);
    }, opts));
    return seen;
  }

  /** One iteration in which a client's connection makes the listener ready. */
  async function ready_iteration(use_poll: boolean): Promise<void> {
    const [, port] = d.socket!.getsockname() as [string, number];
    const c = connect(port, "127.0.0.1");
    c.on("error", () => undefined);
    clients.push(c);
    await asyncore.loop({ timeout: 5, use_poll, map, count: 1 });
  }

  for (const use_poll of [false, true]) {
    const [loop, read, handler] = use_poll ? ["poll loop", "POLLIN", "readwrite POLLIN"] : ["select loop", "read", "read"];
    describe(loop, () => {
      it("reprs: false alone: every ref has the fd and repr \"\", and the channel's repr is never taken", async () => {
        const seen = observe({ reprs: false });
        await ready_iteration(use_poll);
        const fd = d._fileno!;
        expect(seen.map(refs)).to.deep.equal([{ sets: [`${fd} `, `${fd} `], ready: [`${fd}  ${read}`], run: [`${fd}  ${handler}`] }]);
        expect(d.reprs).to.equal(0);
      });

      it("the default (reprs wanted): one repr for the sets the channel is in, one after the wait, one at the dispatch", async () => {
        const seen = observe();
        await ready_iteration(use_poll);
        const fd = d._fileno!;
        const r = `${fd} <Counted before>`;
        expect(seen.map(refs)).to.deep.equal([{ sets: [r, r], ready: [`${r} ${read}`], run: [`${r} ${handler}`] }]);
        expect(d.reprs).to.equal(3);
      });

      it("an observer that wants reprs and one that does not: both see the reprs, taken once", async () => {
        const quiet = observe({ reprs: false });
        const loud = observe({ reprs: true });
        await ready_iteration(use_poll);
        expect(quiet).to.have.length(1);
        expect(loud[0]).to.equal(quiet[0]);
        expect(refs(quiet[0]!).sets).to.deep.equal([`${d._fileno} <Counted before>`, `${d._fileno} <Counted before>`]);
        expect(d.reprs).to.equal(3);
      });

      it("the repr after the wait is of after the wait, not the sets' one", async () => {
        const seen = observe();
        const [, port] = d.socket!.getsockname() as [string, number];
        // During the wait: the label changes, then a client makes the listener ready.
        when_waiting(d, () => {
          d.label = "after";
          const c = connect(port, "127.0.0.1");
          c.on("error", () => undefined);
          clients.push(c);
        });
        await asyncore.loop({ timeout: 5, use_poll, map, count: 1 });
        const t = refs(seen[0]!);
        expect(t.sets[0]).to.equal(`${d._fileno} <Counted before>`);
        expect(t.ready).to.deep.equal([`${d._fileno} <Counted after> ${read}`]);
      });
    });
  }

  it("when the observer wanting reprs stops, the rest get repr \"\" again", async () => {
    const quiet = observe({ reprs: false });
    const stop_loud = asyncore.add_observer(() => undefined);
    await asyncore.loop({ timeout: 0, map, count: 1 });
    stop_loud();
    await asyncore.loop({ timeout: 0, map, count: 1 });
    expect(quiet.map((t) => t.readable.map((r) => r.repr))).to.deep.equal([["<Counted before>"], [""]]);
    expect(d.reprs).to.equal(1);
  });

  it("adding the same observer again replaces its option; its stop function stops it once", async () => {
    const seen: asyncore.IterationTrace[] = [];
    const fn = (t: asyncore.IterationTrace): void => {
      if (t.map === map) seen.push(t);
    };
    const first = asyncore.add_observer(fn);
    stops.push(asyncore.add_observer(fn, { reprs: false }));
    await asyncore.loop({ timeout: 0, map, count: 1 });
    expect(seen.map((t) => t.readable.map((r) => r.repr))).to.deep.equal([[""]]);
    first();
    await asyncore.loop({ timeout: 0, map, count: 1 });
    expect(seen).to.have.length(1);
  });

  it("reprs that is not a boolean: TypeError", () => {
    expect(() => asyncore.add_observer(() => undefined, { reprs: "no" as unknown as boolean })).to.throw(TypeError, "reprs must be a boolean, not string");
  });
});
