// push() into an empty producer_fifo on a library socket: what the queue holds after each send, as CPython's push + initiate_send.
import { expect } from "chai";
import type { Socket as NodeSocket } from "node:net";
import * as asynchat from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import { POLLHUP, SOL_SOCKET, SO_SNDBUF, type socket } from "../../src/socket/index.js";
import { FAMILIES, accept_one, connect_client, listening_socket, pattern, receive_exactly, wait_for } from "../helpers/net.js";
import { loop_until } from "../helpers/asyncore.js";

const fam = FAMILIES[0]!;

class chat extends asynchat.async_chat {
  override collect_incoming_data(): void {}
  override found_terminator(): void {}
}

/** Records len(producer_fifo) each time handle_close runs, then closes as async_chat's does. */
class watching_chat extends chat {
  seen: number[] = [];
  override handle_close(): void {
    this.seen.push(this.producer_fifo.length);
    this.close();
  }
}

const entries = (c: asynchat.async_chat): Buffer[] => [...c.producer_fifo] as Buffer[];

describe("async_chat.push on a library socket (the queue around send())", () => {
  const map: asyncore.SocketMap = new Map();
  let listener: socket | null = null;
  let peer: NodeSocket | null = null;
  afterEach(() => {
    asyncore.close_all(map);
    listener?.close();
    peer?.destroy();
    listener = peer = null;
  });

  async function connected<T extends asynchat.async_chat>(cls: new (s: socket, m: asyncore.SocketMap) => T): Promise<T> {
    listener = listening_socket(fam);
    peer = await connect_client(fam.connect_options(listener.getsockname()));
    const [sock] = await accept_one(listener);
    // 4096 bytes of room: within one tick, what send() takes is counted against it.
    sock.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
    return new cls(sock, map);
  }

  it("keeps the untaken rest of a push at the head as a view of the pushed bytes, behind it the next push, and delivers all in order", async () => {
    const c = await connected(chat);
    const data = pattern(1 + 5000 + 10, 5);
    const a = data.subarray(0, 1);
    const b = Buffer.from(data.subarray(1, 5001));
    const d = data.subarray(5001);
    c.push(a);
    expect(c.producer_fifo.length).to.equal(0);
    c.push(b);
    // One tick: the 1 byte went out, so send() took 4096 of b and the rest stays first.
    let q = entries(c);
    expect(q.map((x) => x.length)).to.deep.equal([5000 - 4096]);
    expect(q[0]!.buffer).to.equal(b.buffer);
    expect(q[0]!.byteOffset).to.equal(b.byteOffset + 4096);
    c.push(d);
    // The head's send got nothing (no room left): d waits behind it, as pushed.
    q = entries(c);
    expect(q.map((x) => x.length)).to.deep.equal([5000 - 4096, 10]);
    expect(q[1]).to.equal(d);
    expect(c.writable()).to.equal(true);
    const got = receive_exactly(peer!, data.length, 10000);
    await loop_until(() => c.producer_fifo.length === 0, { map, use_poll: false, ms: 10000 });
    expect(await got).to.deep.equal(data);
    expect(c.writable()).to.equal(false);
  });

  it("queues a whole push that send() takes nothing of (socket full), the pushed object itself", async () => {
    const c = await connected(chat);
    c.push(pattern(1, 1));
    c.push(pattern(4096, 2));
    expect(c.producer_fifo.length).to.equal(0);
    const x = pattern(7, 3);
    c.push(x);
    expect(entries(c)).to.have.length(1);
    expect(c.producer_fifo.at(0)).to.equal(x);
    const got = receive_exactly(peer!, 1 + 4096 + 7, 10000);
    await loop_until(() => c.producer_fifo.length === 0, { map, use_poll: true, ms: 10000 });
    expect(await got).to.deep.equal(Buffer.concat([pattern(1, 1), pattern(4096, 2), x]));
  });

  for (const [name, cls] of [["async_chat's handle_close", chat], ["a subclass's handle_close", watching_chat]] as const) {
    it(`a push whose send() finds the connection reset: ${name} closes the channel, the entry stays queued (and is queued while handle_close runs)`, async () => {
      const c = await connected(cls as new (s: socket, m: asyncore.SocketMap) => chat);
      const sock = c.socket as socket;
      peer!.resetAndDestroy();
      // Seen by the socket, not by the channel: no loop runs, so no handler has read the reset.
      await wait_for(sock, POLLHUP);
      expect(c.connected).to.equal(true);
      const x = pattern(5, 4);
      c.push(x);
      expect(c.connected).to.equal(false);
      expect(entries(c)).to.deep.equal([x]);
      expect(c.producer_fifo.at(0)).to.equal(x);
      if (c instanceof watching_chat) expect(c.seen).to.deep.equal([1]);
    });
  }
});
