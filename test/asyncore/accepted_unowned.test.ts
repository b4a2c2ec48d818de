// An accepted socket that handle_accepted failed to hand to a dispatcher is closed: its client sees EOF and no fd is kept.
import { expect } from "chai";
import { connect, type Socket as NodeSocket } from "node:net";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { drive, within } from "../helpers/asyncore.js";

const CLIENTS = 50;

/** A listener whose handle_accepted fails; handle_error counts and keeps it listening (as the server did). */
class FailingServer extends asyncore.dispatcher {
  accepted_fds: number[] = [];
  errors = 0;
  kept: socket.socket[] = [];
  constructor(map: asyncore.SocketMap, private readonly how: "raise" | "wrap_then_raise") {
    super(null, map);
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.bind(["127.0.0.1", 0]);
    this.listen(CLIENTS);
  }
  override handle_accepted(sock: socket.socket): void {
    this.accepted_fds.push(sock.fileno());
    if (this.how === "wrap_then_raise") new Owner(sock, this._map);
    throw new Error("no room");
  }
  override handle_error(): void {
    this.errors++;
  }
}

/** Takes ownership of an accepted socket and does nothing with it. */
class Owner extends asyncore.dispatcher {
  override handle_read(): void {}
  override writable(): boolean {
    return false;
  }
}

function client(port: number): Promise<{ s: NodeSocket; eof: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("error", reject);
    const eof = new Promise<void>((r) => s.once("end", () => r()));
    s.resume();
    s.once("connect", () => resolve({ s, eof }));
  });
}

describe("asyncore: an accepted socket nobody took", () => {
  const maps: asyncore.SocketMap[] = [];
  const conns: NodeSocket[] = [];
  afterEach(() => {
    for (const c of conns.splice(0)) c.destroy();
    for (const m of maps.splice(0)) asyncore.close_all(m, true);
  });

  it(`when handle_accepted raises, each of ${CLIENTS} clients sees EOF and every accepted fd is released`, async () => {
    const map: asyncore.SocketMap = new Map();
    maps.push(map);
    const server = new FailingServer(map, "raise");
    const port = (server.socket as socket.socket).getsockname()[1] as number;
    const stop = drive(map, false);
    try {
      const cs = await Promise.all(Array.from({ length: CLIENTS }, () => client(port)));
      conns.push(...cs.map((c) => c.s));
      await within(Promise.all(cs.map((c) => c.eof)), 5000, "EOF at every client");
    } finally {
      await stop();
    }
    expect(server.errors).to.equal(CLIENTS);
    expect(server.accepted_fds).to.have.length(CLIENTS);
    expect(server.accepted_fds.filter((fd) => socket.lookup_fd(fd) !== undefined)).to.deep.equal([]);
    expect([...map.keys()]).to.deep.equal([server._fileno]);
  });

  it("when handle_accepted rejects (an async handler), the socket is closed and the client sees EOF", async () => {
    const map: asyncore.SocketMap = new Map();
    maps.push(map);
    const errors: unknown[] = [];
    const server = new FailingServer(map, "raise");
    server.handle_accepted = async function (this: FailingServer, sock: socket.socket): Promise<void> {
      this.accepted_fds.push(sock.fileno());
      await Promise.resolve();
      throw new Error("async failure");
    } as unknown as FailingServer["handle_accepted"];
    server.handle_error = (err?: unknown): void => {
      errors.push(err);
    };
    const port = (server.socket as socket.socket).getsockname()[1] as number;
    const stop = drive(map, true);
    try {
      const c = await client(port);
      conns.push(c.s);
      await within(c.eof, 5000, "EOF at the client");
    } finally {
      await stop();
    }
    expect(errors.map((e) => (e as Error).message)).to.deep.equal(["async failure"]);
    expect(socket.lookup_fd(server.accepted_fds[0]!)).to.equal(undefined);
  });

  it("a socket a dispatcher took before handle_accepted raised stays open, in its map", async () => {
    const map: asyncore.SocketMap = new Map();
    maps.push(map);
    const server = new FailingServer(map, "wrap_then_raise");
    const port = (server.socket as socket.socket).getsockname()[1] as number;
    const c = await client(port);
    conns.push(c.s);
    let ended = false;
    void c.eof.then(() => (ended = true));
    while (server.errors === 0) await asyncore.loop({ timeout: 0.05, count: 1, map });
    await asyncore.loop({ timeout: 0.05, count: 1, map });
    expect(ended).to.equal(false);
    const fd = server.accepted_fds[0]!;
    expect(socket.lookup_fd(fd)).to.not.equal(undefined);
    expect(map.get(fd)).to.be.instanceOf(Owner);
  });
});
