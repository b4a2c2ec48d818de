// output_queue without I/O: scripted send functions take k bytes at a time, for every k, or raise BlockingIOError at every call.
import { expect } from "chai";
import { output_queue, type output_entry, type producer } from "../../src/asyncore/index.js";
import { BlockingIOError, EAGAIN, EIO, OSError } from "../../src/errno/index.js";
import { ByteQueue } from "../../src/socket/byte_queue.js";

const B = (s: string): Buffer => Buffer.from(s, "latin1");
const latin1 = (text: string): Buffer => Buffer.from(text, "latin1");
const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");

/** A producer handing out `data` in `bs`-byte pieces (simple_producer's rule), logging each more(). */
class logged_producer implements producer {
  constructor(
    readonly name: string,
    public data: Buffer,
    readonly bs: number,
    readonly log: string[],
  ) {}
  more(): Buffer {
    this.log.push(`more ${this.name}`);
    const piece = this.data.subarray(0, this.bs);
    this.data = this.data.subarray(piece.length);
    return piece;
  }
}

/** One entry of a test queue, described so both the queue and the model below can be built from it. */
type spec =
  | { readonly kind: "bytes"; readonly data: string }
  | { readonly kind: "str"; readonly text: string }
  | { readonly kind: "producer"; readonly data: string; readonly bs: number };

/** A mix of every kind of entry: empty bytes, bytes longer than the slice, a str, producers, an empty producer. */
const MIX: spec[] = [
  { kind: "bytes", data: "Hello, " },
  { kind: "bytes", data: "" },
  { kind: "producer", data: "world of producers", bs: 4 },
  { kind: "str", text: "; café" },
  { kind: "producer", data: "", bs: 3 },
  { kind: "bytes", data: "0123456789abcdefghij" },
  { kind: "producer", data: "xyz", bs: 10 },
  { kind: "bytes", data: "!" },
];

function build(specs: spec[], log: string[]): output_queue {
  const q = new output_queue();
  specs.forEach((s, i) => {
    if (s.kind === "bytes") q.push(B(s.data), Infinity);
    else if (s.kind === "str") q.append(s.text);
    else q.append(new logged_producer(`p${i}`, B(s.data), s.bs, log));
  });
  return q;
}

/**
 * The model: the calls CPython's initiate_send makes when every send takes min(k, offered)
 * bytes — each entry in turn, a producer pulled before each of its pieces and once more to find
 * it empty, each piece offered `size` bytes at a time, an empty bytes entry offered once.
 */
function model(specs: spec[], size: number, k: number): string[] {
  const calls: string[] = [];
  const offer_all = (piece: Buffer): void => {
    let rest = piece;
    do {
      const offered = rest.subarray(0, size);
      calls.push(`send ${offered.toString("latin1")}`);
      rest = rest.subarray(Math.min(k, offered.length));
    } while (rest.length);
  };
  specs.forEach((s, i) => {
    if (s.kind === "bytes") offer_all(B(s.data));
    else if (s.kind === "str") offer_all(latin1(s.text));
    else {
      for (let at = 0; at < s.data.length; at += s.bs) {
        calls.push(`more p${i}`);
        offer_all(B(s.data.slice(at, at + s.bs)));
      }
      calls.push(`more p${i}`);
    }
  });
  return calls;
}

/** The bytes still queued, producers' unpulled data included (without pulling). */
function remaining(q: output_queue): string {
  let out = "";
  for (const e of q.fifo) {
    if (e instanceof ByteQueue) out += e.peek(e.length).toString("latin1");
    else if (e instanceof Uint8Array) out += Buffer.from(e).toString("latin1");
    else if (typeof e === "string") out += e;
    else if (e instanceof logged_producer) out += e.data.toString("latin1");
  }
  return out;
}

/**
 * Flush until idle with a send taking k bytes per call, except that the calls numbered in
 * `blocked` raise BlockingIOError. Returns the log of more()/send calls and the bytes taken.
 */
function drain(q: output_queue, log: string[], size: number, k: number, blocked: Set<number>): { calls: string[]; taken: string } {
  let call = 0;
  let taken = "";
  const send = (data: Buffer): number => {
    log.push(`send ${data.toString("latin1")}`);
    if (blocked.has(call++)) throw new BlockingIOError(EAGAIN);
    const n = Math.min(k, data.length);
    taken += data.subarray(0, n).toString("latin1");
    return n;
  };
  for (let flushes = 0; flushes < 10_000; flushes++) {
    const before = remaining(q);
    const sends = call;
    let result: string;
    try {
      result = q.flush(send, size, latin1);
    } catch (err) {
      expect(err).to.be.instanceOf(BlockingIOError);
      expect(remaining(q), "a failed send takes nothing").to.equal(before);
      continue;
    }
    expect(call - sends, "at most one send per flush").to.be.at.most(1);
    if (result === "idle") {
      expect(call - sends).to.equal(0);
      return { calls: log, taken };
    }
    expect(result).to.equal("sent");
    expect(call - sends).to.equal(1);
  }
  throw new Error("flush never went idle");
}

/**
 * What follows a send that raised: the same offer again — except for an empty bytes entry,
 * which CPython removes before its send, so its failed empty send is not repeated.
 */
function again(call: string): string[] {
  return call === "send " ? [] : [call];
}

const STREAM = MIX.map((s) => (s.kind === "str" ? s.text : s.data)).join("");

describe("asyncore output_queue (I/O-free)", () => {
  describe("flush()", () => {
    it("sends the exact byte stream, with CPython's calls, for every slice size and every send size k", () => {
      for (const size of [1, 2, 3, 5, 7, 64]) {
        for (let k = 1; k <= size + 1; k++) {
          const log: string[] = [];
          const r = drain(build(MIX, log), log, size, k, new Set());
          expect(r.taken, `size ${size} k ${k}`).to.equal(STREAM);
          expect(r.calls, `size ${size} k ${k}`).to.deep.equal(model(MIX, size, k));
        }
      }
    });

    it("offers the same bytes again after a send raised BlockingIOError, at every call", () => {
      for (const size of [3, 64]) {
        for (const k of [1, 2, size]) {
          const want = model(MIX, size, k);
          const sends = want.filter((c) => c.startsWith("send")).length;
          for (let j = 0; j < sends; j++) {
            const log: string[] = [];
            const r = drain(build(MIX, log), log, size, k, new Set([j]));
            expect(r.taken, `size ${size} k ${k} blocked at ${j}`).to.equal(STREAM);
            // the blocked call is repeated, with nothing (no more()) in between
            const nth = want.findIndex((c, i) => c.startsWith("send") && want.slice(0, i + 1).filter((x) => x.startsWith("send")).length === j + 1);
            expect(r.calls, `size ${size} k ${k} blocked at ${j}`).to.deep.equal([...want.slice(0, nth + 1), ...again(want[nth]!), ...want.slice(nth + 1)]);
          }
          // and when every offer blocks once before it is taken
          const log: string[] = [];
          const first_tries = new Set<number>();
          let call = 0;
          for (const c of want.filter((x) => x.startsWith("send"))) {
            first_tries.add(call);
            call += 1 + again(c).length;
          }
          const r = drain(build(MIX, log), log, size, k, first_tries);
          expect(r.taken).to.equal(STREAM);
          expect(r.calls).to.deep.equal(want.flatMap((c) => (c.startsWith("send") ? [c, ...again(c)] : [c])));
        }
      }
    });

    it("treats a send that takes 0 bytes (EWOULDBLOCK as dispatcher.send reports it) as taking nothing", () => {
      const q = new output_queue();
      q.push(B("abc"), 65536);
      const offered: string[] = [];
      expect(q.flush((d) => (offered.push(d.toString()), 0))).to.equal("sent");
      expect(q.flush((d) => (offered.push(d.toString()), 2))).to.equal("sent");
      expect(q.flush((d) => (offered.push(d.toString()), 1))).to.equal("sent");
      expect(q.flush(() => expect.fail("nothing left"))).to.equal("idle");
      expect(offered).to.deep.equal(["abc", "abc", "c"]);
    });

    it("offers a head that fits as itself, and a longer one as a view: sends copy nothing", () => {
      const small = B("fits");
      const large = Buffer.alloc(10, 1);
      const q = new output_queue();
      q.append(small);
      q.append(large);
      const offered: Buffer[] = [];
      while (q.flush((d) => (offered.push(d), d.length), 8) !== "idle");
      expect(offered[0]).to.equal(small);
      expect(offered.slice(1).map((d) => [d.length, d.buffer === large.buffer])).to.deep.equal([[8, true], [2, true]]);
    });

    it("lets a send's other errors propagate, the queue unchanged", () => {
      const q = new output_queue();
      q.push(B("abc"), 65536);
      expect(() => q.flush(() => {
        throw new OSError(EIO, "io");
      })).to.throw(OSError);
      expect(remaining(q)).to.equal("abc");
      expect(q.length).to.equal(1);
    });
  });

  describe("the close sentinel (close_when_done)", () => {
    it("reports 'close' only once everything before it was sent, and leaves what follows it", () => {
      for (let k = 1; k <= 4; k++) {
        const log: string[] = [];
        const q = new output_queue();
        q.push(B("abcd"), 3);
        q.append(new logged_producer("p", B("efgh"), 3, log));
        q.append(null);
        q.push(B("never"), 3);
        let taken = "";
        let result = "";
        for (let i = 0; i < 100 && result !== "close"; i++) {
          result = q.flush((d) => {
            const n = Math.min(k, d.length);
            taken += d.subarray(0, n).toString();
            return n;
          }, 3);
        }
        expect(result, `k ${k}`).to.equal("close");
        expect(taken).to.equal("abcdefgh");
        expect(remaining(q)).to.equal("never");
      }
    });

    it("closes without a send when it is first", () => {
      const q = new output_queue();
      q.append(null);
      expect(q.flush(() => expect.fail("no send"))).to.equal("close");
      expect(q.length).to.equal(0);
    });
  });

  describe("producers", () => {
    it("pulls a producer only when it reaches the head, once per piece taken", () => {
      const log: string[] = [];
      const q = new output_queue();
      q.push(B("head"), 65536);
      q.append(new logged_producer("p", B("abcdef"), 2, log));
      const send = (d: Buffer): number => (log.push(`send ${d.toString()}`), d.length);
      q.flush(send);
      expect(log).to.deep.equal(["send head"]);
      q.flush(send);
      q.flush(send);
      expect(log).to.deep.equal(["send head", "more p", "send ab", "more p", "send cd"]);
    });

    it("drops a producer whose more() returns empty bytes, empty str, null or undefined, and moves on", () => {
      for (const end of [B(""), "", null, undefined]) {
        const q = new output_queue();
        q.append({ more: () => end as never });
        q.push(B("next"), 65536);
        const sent: string[] = [];
        expect(q.flush((d) => (sent.push(d.toString()), d.length))).to.equal("sent");
        expect(sent).to.deep.equal(["next"]);
      }
    });

    it("propagates an error from more(), the producer still queued", () => {
      const q = new output_queue();
      const p: producer = {
        more() {
          throw new OSError(EIO, "disk");
        },
      };
      q.append(p);
      expect(() => q.flush(() => expect.fail("no send"))).to.throw(OSError);
      expect(q.fifo.at(0)).to.equal(p);
    });
  });

  describe("str entries", () => {
    it("are encoded with the encoder given; a partly sent one stays as its encoded rest", () => {
      const q = new output_queue();
      q.append("héllo wörld");
      const sent: Buffer[] = [];
      const take3 = (d: Buffer): number => (sent.push(Buffer.from(d.subarray(0, 3))), Math.min(3, d.length));
      while (q.flush(take3, 65536, utf8) !== "idle");
      expect(Buffer.concat(sent)).to.deep.equal(utf8("héllo wörld"));
      // multi-byte characters cut across sends: the rest is kept as bytes, not as a str
      const r = new output_queue();
      r.append("héllo");
      r.flush(() => 2, 65536, utf8);
      expect(r.fifo.at(0)).to.deep.equal(utf8("héllo").subarray(2));
    });

    it("are sliced by characters before encoding, as CPython's first[:obs]", () => {
      const q = new output_queue();
      q.append("ééé");
      const offered: Buffer[] = [];
      q.flush((d) => (offered.push(d), d.length), 2, utf8);
      expect(offered).to.deep.equal([utf8("éé")]);
      expect(q.fifo.at(0)).to.deep.equal(utf8("ééé").subarray(4));
    });

    it("are a TypeError without an encoder (CPython's send(str)), the queue unchanged", () => {
      const q = new output_queue();
      q.append("text");
      expect(() => q.flush(() => expect.fail("no send"))).to.throw(TypeError, /bytes-like object is required, not 'str'/);
      expect(q.fifo.at(0)).to.equal("text");
    });
  });

  describe("connected", () => {
    it("is asked before every step: a producer that closes the channel stops the flush before any send", () => {
      let open = true;
      const q = new output_queue();
      q.append({
        more() {
          open = false;
          return B("late");
        },
      });
      expect(q.flush(() => expect.fail("no send after close"), 65536, null, () => open)).to.equal("idle");
      expect(remaining(q)).to.equal("late");
      expect(new output_queue([B("x")]).flush(() => expect.fail("not connected"), 65536, null, () => false)).to.equal("idle");
    });
  });

  describe("push()", () => {
    it("splits bytes longer than size into views of size bytes (no copy), each an entry", () => {
      const q = new output_queue();
      const data = Buffer.alloc(2 * 5 + 3, 7);
      q.push(data, 5);
      const parts = [...q.fifo] as Buffer[];
      expect(parts.map((p) => p.length)).to.deep.equal([5, 5, 3]);
      for (const p of parts) expect(p.buffer).to.equal(data.buffer);
      const one = new output_queue();
      one.push(data, data.length);
      expect(one.fifo.at(0)).to.equal(data);
    });
  });

  describe("a ByteQueue entry (dispatcher_with_send's out_buffer)", () => {
    it("offers its first size bytes across pieces and keeps the rest, for every k", () => {
      for (let k = 1; k <= 5; k++) {
        const run = new ByteQueue();
        const q = new output_queue<output_entry>([run]);
        for (const s of ["ab", "c", "defg", "h"]) run.push(B(s));
        const offered: string[] = [];
        for (let i = 0; i < 50 && run.length; i++) {
          q.flush((d) => (offered.push(d.toString()), Math.min(k, d.length)), 3);
        }
        expect(offered.map((o) => o.slice(0, k)).join(""), `k ${k}`).to.equal("abcdefgh");
        expect(offered.every((o) => o.length <= 3)).to.equal(true);
        expect(offered[0]).to.equal("abc");
      }
    });

    it("stays queued when empty, so every flush costs one (empty) send, as CPython's dispatcher_with_send", () => {
      const run = new ByteQueue();
      const q = new output_queue<output_entry>([run]);
      const offered: number[] = [];
      expect(q.flush((d) => (offered.push(d.length), 0))).to.equal("sent");
      expect(q.flush((d) => (offered.push(d.length), 0))).to.equal("sent");
      expect(offered).to.deep.equal([0, 0]);
      expect(q.length).to.equal(1);
      run.push(B("later"));
      expect(q.flush((d) => d.length)).to.equal("sent");
      expect(run.length).to.equal(0);
      expect(q.fifo.at(0)).to.equal(run);
    });
  });

  it("is driven as a plain deque: entries appended to fifo directly are sent in order", () => {
    const q = new output_queue();
    q.fifo.append(B("a"));
    q.fifo.extend([B("b"), B("c")]);
    q.fifo.appendleft(B("0"));
    let out = "";
    while (q.flush((d) => ((out += d.toString()), d.length)) !== "idle");
    expect(out).to.equal("0abc");
  });
});
