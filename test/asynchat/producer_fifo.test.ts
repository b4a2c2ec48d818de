// async_chat.producer_fifo as ported code uses it: Python's deque operations, and rebinding it, drive what initiate_send sends.
import { expect } from "chai";
import { async_chat, deque, type fifo_entry } from "../../src/asynchat/index.js";

/** An async_chat whose send() takes everything and records it (no socket). */
class recording_chat extends async_chat {
  sent: string[] = [];
  constructor() {
    super(null, new Map());
    this.connected = true;
  }
  override send(data: Buffer): number {
    this.sent.push(data.toString("latin1"));
    return data.length;
  }
}

const B = (s: string): Buffer => Buffer.from(s, "latin1");

describe("async_chat.producer_fifo (Python's deque)", () => {
  it("sends what Python-style deque operations put there, in deque order", () => {
    const c = new recording_chat();
    const fifo = c.producer_fifo;
    fifo.append(B("b"));
    fifo.appendleft(B("a"));
    fifo.extend([B("c"), B("d")]);
    fifo.extendleft([B("2"), B("1")]); // Python: extendleft reverses, so "1" ends up first
    fifo.set(0, B("0"));
    expect(fifo.length).to.equal(6);
    expect(c.writable()).to.equal(true);
    while (c.producer_fifo.length) c.initiate_send();
    expect(c.sent).to.deep.equal(["0", "2", "a", "b", "c", "d"]);
    expect(c.writable()).to.equal(false);
  });

  it("del producer_fifo[0] (popleft) and pop() take entries out before they are sent", () => {
    const c = new recording_chat();
    c.producer_fifo.extend([B("x"), B("y"), B("z")]);
    expect(Buffer.from(c.producer_fifo.popleft() as Buffer).toString()).to.equal("x");
    expect(Buffer.from(c.producer_fifo.pop() as Buffer).toString()).to.equal("z");
    c.initiate_send();
    expect(c.sent).to.deep.equal(["y"]);
  });

  it("can be rebound (self.producer_fifo = deque()), and push() then queues into the new one", () => {
    const c = new recording_chat();
    const old = c.producer_fifo;
    old.append(B("dropped"));
    const fresh = new deque<fifo_entry>([B("kept")]);
    c.producer_fifo = fresh;
    expect(c.producer_fifo).to.equal(fresh);
    c.initiate_send();
    c.push(B("pushed"));
    expect(c.sent).to.deep.equal(["kept", "pushed"]);
    expect(old.length).to.equal(1);
  });
});
