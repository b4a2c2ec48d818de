// dispatcher_with_send's out_buffer: many sends to a slow peer queue in order, without re-copying the whole backlog.
import { expect } from "chai";
import type { Socket as NodeSocket } from "node:net";
import * as sinon from "sinon";
import * as asyncore from "../../src/asyncore/index.js";
import { SOL_SOCKET, SO_SNDBUF, type socket } from "../../src/socket/index.js";
import { FAMILIES, accept_one, connect_client, listening_socket, pattern, receive_exactly } from "../helpers/net.js";
import { expect_writable_by_truthiness, loop_until } from "../helpers/asyncore.js";

const fam = FAMILIES[0]!;
/** How much of the queue one send() offers the socket (dispatcher_with_send's slice, as CPython's 65536). */
const SEND_SLICE = 65536;

describe("dispatcher_with_send out_buffer", () => {
  const sandbox = sinon.createSandbox();
  const map: asyncore.SocketMap = new Map();
  let listener: socket | null = null;
  let peer: NodeSocket | null = null;
  afterEach(() => {
    sandbox.restore();
    asyncore.close_all(map);
    listener?.close();
    peer?.destroy();
    listener = peer = null;
  });

  /** Bytes copied by Buffer.concat and Buffer#copy from now on (until sandbox.restore()), read through the returned function. */
  function copied_bytes(): () => number {
    let n = 0;
    const concat = Buffer.concat;
    const copy = Buffer.prototype.copy;
    sandbox.replace(Buffer, "concat", function (this: unknown, ...args: Parameters<typeof Buffer.concat>) {
      const out = concat.apply(this, args);
      n += out.length;
      return out;
    });
    sandbox.replace(Buffer.prototype, "copy", function (this: Buffer, ...args: Parameters<Buffer["copy"]>) {
      const k = copy.apply(this, args);
      n += k;
      return k;
    });
    return () => n;
  }

  it("queues 5,000 small sends while the peer reads nothing, copying at most one send slice per send (CPython's out_buffer + data copies the whole backlog), and delivers them in order, byte-exact", async () => {
    listener = listening_socket(fam);
    peer = await connect_client(fam.connect_options(listener.getsockname()));
    peer.pause();
    const [sock] = await accept_one(listener);
    sock.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    const d = new asyncore.dispatcher_with_send(sock, map);
    const data = pattern(5000 * 100, 3);
    const copied = copied_bytes();
    let most = 0;
    for (let i = 0; i < 5000; i++) {
      const before = copied();
      d.send(data.subarray(i * 100, (i + 1) * 100));
      most = Math.max(most, copied() - before);
    }
    sandbox.restore();
    const queued = d.out_buffer.length;
    // The backlog grew far past one slice, and no send copied more than a slice of it.
    expect(queued).to.be.greaterThan(4 * SEND_SLICE);
    expect(most).to.be.at.most(SEND_SLICE);
    expect(d.writable()).to.equal(true);
    expect(d.out_buffer).to.deep.equal(data.subarray(data.length - queued));
    peer.resume();
    const got = receive_exactly(peer, data.length, 20000);
    await loop_until(() => d.out_buffer.length === 0, { map, use_poll: true, ms: 20000 });
    expect(await got).to.deep.equal(data);
    expect(d.writable()).to.equal(false);
  });

  it("can be read and replaced as Python code does with self.out_buffer", () => {
    const d = new asyncore.dispatcher_with_send(null, new Map());
    expect(d.out_buffer.length).to.equal(0);
    d.out_buffer = Buffer.from("abc");
    expect(d.out_buffer.toString()).to.equal("abc");
    d.out_buffer = Buffer.alloc(0);
    expect(d.out_buffer.length).to.equal(0);
  });

  it("initiate_send() calls dispatcher.send once with out_buffer[:65536], even empty and before any send (CPython), and keeps what it did not take", () => {
    const sent: string[] = [];
    let take = 0;
    sandbox.replace(asyncore.dispatcher.prototype, "send", function (data: Buffer | Uint8Array | string) {
      sent.push(Buffer.from(data as Buffer).toString());
      return take;
    });
    const d = new asyncore.dispatcher_with_send(null, new Map());
    d.initiate_send();
    expect(sent).to.deep.equal([""]);
    take = 2;
    expect(d.send(Buffer.from("abcd"))).to.equal(4);
    expect(sent).to.deep.equal(["", "abcd"]);
    expect(d.out_buffer.toString()).to.equal("cd");
    take = 0;
    d.initiate_send();
    expect(sent).to.deep.equal(["", "abcd", "cd"]);
    expect(d.out_buffer.toString()).to.equal("cd");
  });

  it("a send that raises leaves out_buffer as it was", () => {
    const d = new asyncore.dispatcher_with_send(null, new Map());
    d.out_buffer = Buffer.from("xyz");
    sandbox.replace(asyncore.dispatcher.prototype, "send", () => {
      throw new Error("boom");
    });
    expect(() => d.initiate_send()).to.throw("boom");
    expect(d.out_buffer.toString()).to.equal("xyz");
  });
});

// writable() tests `connected` against true before its truthiness (a fast path): a program that
// sets it to any other value must still get Python's truthiness.
describe("dispatcher_with_send.writable(): connected read by truthiness, as Python's `not self.connected`", () => {
  it("with nothing queued, writable() is false for a truthy connected and true for a falsy one", () => {
    expect_writable_by_truthiness(new asyncore.dispatcher_with_send(null, new Map()));
  });
});
