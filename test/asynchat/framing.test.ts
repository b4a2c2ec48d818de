// Framing properties: any cut of the input into reads gives the same items as one read.
import { expect } from "chai";
import { framer, type terminator } from "../../src/asynchat/index.js";
import { cut, joined, prng, rand_int, recorder, type call } from "../helpers/chat.js";

/** One segment of a stream: a terminator set from outside (between reads), then bytes. */
interface segment {
  set: terminator | undefined;
  data: Buffer;
}

interface run_result {
  calls: call[];
  rest: Buffer;
}

/** Feed each segment's reads; between segments apply its out-of-band set_terminator. */
function run(schedule: terminator[], first: terminator, segments: segment[], reads: (s: Buffer) => Buffer[]): run_result {
  const t = new recorder(schedule);
  t.terminator = first;
  const f = new framer(t);
  for (const seg of segments) {
    if (seg.set !== undefined) {
      t.terminator = seg.set;
      t.calls.push(["m"]);
    }
    for (const r of reads(seg.data)) f.feed(r);
  }
  return { calls: t.calls, rest: Buffer.from(f.pending) };
}

const one_read = (s: Buffer): Buffer[] => [s];

function check_all_cuts(schedule: terminator[], first: terminator, segments: segment[]): void {
  const want = run(schedule, first, segments, one_read);
  const want_items = joined(want.calls);
  // Every single cut point, then every pair of cut points for short inputs.
  segments.forEach((seg, k) => {
    const n = seg.data.length;
    for (let i = 0; i <= n; i++) {
      const got = run(schedule, first, segments, (s) => (s === seg.data ? cut(s, [i]) : [s]));
      expect(joined(got.calls), `segment ${k} cut at ${i}`).to.deep.equal(want_items);
      expect(got.rest.toString("hex")).to.equal(want.rest.toString("hex"));
    }
    if (n <= 40) {
      for (let i = 0; i <= n; i++) {
        for (let j = i; j <= n; j++) {
          const got = run(schedule, first, segments, (s) => (s === seg.data ? cut(s, [i, j]) : [s]));
          expect(joined(got.calls), `segment ${k} cut at ${i},${j}`).to.deep.equal(want_items);
        }
      }
    }
  });
  // Byte by byte.
  const bytewise = run(schedule, first, segments, (s) => cut(s, Array.from({ length: Math.max(0, s.length - 1) }, (_, i) => i + 1)));
  expect(joined(bytewise.calls), "byte by byte").to.deep.equal(want_items);
}

const B = (s: string): Buffer => Buffer.from(s, "latin1");

describe("asynchat framing (I/O-free)", () => {
  it("delivers lines with 1-, 2- and 3-byte terminators, whatever the read boundaries", () => {
    for (const term of ["\n", "\r\n", "qqq"]) {
      const data = B(`hello ${"world" + term}I'm not dead yet!${term}${term}tail${term.slice(0, -1)}`);
      const items = joined(run([B(term)], B(term), [{ set: undefined, data }], one_read).calls);
      expect(items).to.deep.equal([
        `f:${B("hello world").toString("hex")}`,
        `f:${B("I'm not dead yet!").toString("hex")}`,
        "f:",
        `rest:${B("tail").toString("hex")}`,
      ]);
      check_all_cuts([B(term)], B(term), [{ set: undefined, data }]);
    }
  });

  it("counts numeric terminators down across reads", () => {
    const data = B("hello world, I'm not dead yet!\n");
    for (const n of [1, 6, data.length, data.length + 5]) {
      const r = run([], n, [{ set: undefined, data }], (s) => cut(s, [3, 4, 10]));
      const items = joined(r.calls);
      if (n <= data.length) {
        expect(items[0]).to.equal(`f:${data.subarray(0, n).toString("hex")}`);
      } else {
        expect(items).to.deep.equal([`rest:${data.toString("hex")}`]);
      }
      check_all_cuts([], n, [{ set: undefined, data }]);
    }
  });

  it("keeps the terminator counted down in .terminator, as CPython", () => {
    const t = new recorder();
    t.terminator = 10;
    const f = new framer(t);
    f.feed(B("abcd"));
    expect(t.terminator).to.equal(6);
    f.feed(B("efghijkl"));
    expect(t.terminator).to.equal(0);
    expect(joined(t.calls)).to.deep.equal([`f:${B("abcdefghij").toString("hex")}`, `rest:${B("kl").toString("hex")}`]);
  });

  it("collects everything with a null terminator, and never calls found_terminator", () => {
    const data = B("hello world\r\n, I'm not dead yet!\n");
    const r = run([], null, [{ set: undefined, data }], (s) => cut(s, [1, 13]));
    expect(joined(r.calls)).to.deep.equal([`rest:${data.toString("hex")}`]);
  });

  it("applies a terminator changed inside found_terminator to the rest of the same read", () => {
    const data = B("HDR\r\n\r\n12345GET / HTTP\r\nmore");
    const schedule: terminator[] = [5, B("\r\n"), null];
    const r = run(schedule, B("\r\n\r\n"), [{ set: undefined, data }], one_read);
    expect(joined(r.calls)).to.deep.equal([
      `f:${B("HDR").toString("hex")}`,
      `f:${B("12345").toString("hex")}`,
      `f:${B("GET / HTTP").toString("hex")}`,
      `rest:${B("more").toString("hex")}`,
    ]);
    check_all_cuts(schedule, B("\r\n\r\n"), [{ set: undefined, data }]);
  });

  it("reports a terminator at the start of the buffer without an empty collect (CPython)", () => {
    const t = new recorder();
    t.terminator = B("\r\n");
    const f = new framer(t);
    f.feed(B("ab\r"));
    f.feed(B("\ncd"));
    expect(t.calls.map((c) => (c[0] === "c" ? `c:${c[1].toString("latin1")}` : c[0]))).to.deep.equal([
      "c:ab", "f", "c:cd",
    ]);
  });

  it("holds only a partial terminator between reads, as a copy not pinning the read", () => {
    const t = new recorder();
    t.terminator = B("\r\n.\r\n");
    const f = new framer(t);
    // A small copy lives in a slab of Buffer's pool, whose size is Node's business (8 KiB up to
    // Node 22, 64 KiB from 24, a 65600-byte slab in 26), so the read is made far larger than
    // any slab: then "the memory held is much smaller than the read" says something.
    const size = Math.max(65536, 16 * Buffer.poolSize);
    const big = Buffer.alloc(size, 0x61);
    big.write("\r\n.", size - 3, "latin1");
    const want = [`rest:${Buffer.concat([big, B("\rx")]).toString("hex")}`];
    f.feed(big);
    expect(f.pending.toString("latin1")).to.equal("\r\n.");
    expect(f.pending.buffer === big.buffer, "pending is a view pinning the read").to.equal(false);
    expect(f.pending.buffer.byteLength, "memory held for 3 bytes").to.be.below(size / 4);
    big.fill(0x62); // a copy: overwriting the read afterwards leaves what is held unchanged
    expect(f.pending.toString("latin1")).to.equal("\r\n.");
    f.feed(B("\r"));
    expect(f.pending.toString("latin1")).to.equal("\r\n.\r");
    f.feed(B("x"));
    expect(f.pending.length).to.equal(0);
    expect(joined(t.calls)).to.deep.equal(want);
  });

  it("lets found_terminator read and replace ac_in_buffer (the rest of the read)", () => {
    const seen: string[] = [];
    const t = new recorder();
    t.terminator = B("\n");
    const f = new framer(t);
    t.found_terminator = () => {
      seen.push(f.pending.toString("latin1"));
      f.pending = Buffer.alloc(0); // e.g. hand the rest of the stream to another parser
    };
    f.feed(B("one\ntwo\nthree\n"));
    expect(seen).to.deep.equal(["two\nthree\n"]);
    expect(t.calls.map((c) => (c[0] === "c" ? c[1].toString("latin1") : c[0]))).to.deep.equal(["one"]);
    expect(f.pending.length).to.equal(0);
  });

  it("raises TypeError for a str terminator left unencoded, as bytes.find(str) does", () => {
    const t = new recorder();
    t.terminator = "\n";
    expect(() => new framer(t).feed(B("a\n"))).to.throw(TypeError, /not 'str'/);
  });

  it("treats 0, empty bytes and empty str as 'no terminator' (Python falsiness)", () => {
    for (const term of [0, B(""), new Uint8Array(0), ""] as terminator[]) {
      const t = new recorder();
      t.terminator = term;
      new framer(t).feed(B("abc\n"));
      expect(joined(t.calls)).to.deep.equal([`rest:${B("abc\n").toString("hex")}`]);
    }
  });

  it("accepts any Uint8Array as a terminator", () => {
    const t = new recorder();
    t.terminator = new Uint8Array([0, 0]);
    new framer(t).feed(Buffer.from([1, 0, 2, 0, 0, 3]));
    expect(joined(t.calls)).to.deep.equal(["f:010002", "rest:03"]);
  });

  it("hands out items as Buffer views of the read (no copy), at the right offsets", () => {
    const got: Buffer[] = [];
    const t = new recorder();
    t.collect_incoming_data = (d: Buffer): void => void got.push(d);
    t.terminator = B("\n");
    const chunk = Buffer.concat([B("pad"), B("ab\ncde\nf")]).subarray(3);
    new framer(t).feed(chunk);
    expect(got.map((d) => Buffer.isBuffer(d))).to.deep.equal([true, true, true]);
    // Plain Buffers, of the class Buffer.from gives: not a subclass a program could tell apart.
    expect(got.map((d) => Object.getPrototypeOf(d) === Buffer.prototype && d.constructor === Buffer)).to.deep.equal([true, true, true]);
    expect(got.map((d) => d.toString("latin1"))).to.deep.equal(["ab", "cde", "f"]);
    expect(got.map((d) => d.buffer === chunk.buffer)).to.deep.equal([true, true, true]);
    expect(got.map((d) => d.byteOffset - chunk.byteOffset)).to.deep.equal([0, 3, 7]);
  });

  it("a Uint8Array terminator changed in place, or replaced by another, takes effect at the next item", () => {
    const term = new Uint8Array([0x2c]); // ","
    const t = new recorder();
    t.terminator = term;
    t.found_terminator = function (this: recorder): void {
      this.calls.push(["f"]);
      if (this.calls.filter((c) => c[0] === "f").length === 1) term[0] = 0x3b; // now ";"
      else this.terminator = new Uint8Array([0x2e]); // then "."
    };
    new framer(t).feed(B("a,b,c;d.e;"));
    expect(joined(t.calls)).to.deep.equal([
      `f:${B("a").toString("hex")}`,
      `f:${B("b,c").toString("hex")}`,
      `f:${B("d").toString("hex")}`,
      `rest:${B("e;").toString("hex")}`,
    ]);
  });

  it("the opt-in collect limit stops a peer that never sends a terminator", () => {
    const t = new recorder() as recorder & { ac_collect_limit: number | null; handle_collect_overflow(): void };
    t.terminator = B("\n");
    t.ac_collect_limit = 10;
    let overflows = 0;
    t.handle_collect_overflow = () => {
      overflows++;
    };
    const f = new framer(t);
    f.feed(B("0123456789\n"));
    f.feed(B("abcdef"));
    f.feed(B("ghij"));
    expect(overflows).to.equal(0);
    f.feed(B("k\nrest"));
    expect(overflows).to.equal(1);
    expect(f.pending.length).to.equal(0);
    expect(joined(t.calls)).to.deep.equal([`f:${B("0123456789").toString("hex")}`, `rest:${B("abcdefghij").toString("hex")}`]);
  });

  describe("random streams (seeded, deterministic)", () => {
    const ALPHABET = B("ab\r\nq.X");
    function random_bytes(rnd: () => number, n: number): Buffer {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = ALPHABET[rand_int(rnd, 0, ALPHABET.length - 1)]!;
      return out;
    }
    function random_term(rnd: () => number): terminator {
      switch (rand_int(rnd, 0, 5)) {
        case 0: return B("\n");
        case 1: return B("\r\n");
        case 2: return B("\r\n.\r\n");
        case 3: return B("qqq");
        case 4: return rand_int(rnd, 0, 9);
        default: return null;
      }
    }

    it("joined items are the same for one read, every single cut, and random cuts", function () {
      this.timeout(60000);
      const rnd = prng(0xa5ca7);
      for (let round = 0; round < 150; round++) {
        const schedule = Array.from({ length: rand_int(rnd, 1, 4) }, () => random_term(rnd));
        // bytes -> int -> None -> bytes: found_terminator walks the schedule, and each later
        // segment switches the terminator from outside, as code does after a None phase.
        const segments: segment[] = [];
        for (let k = rand_int(rnd, 1, 3); k > 0; k--) {
          segments.push({ set: segments.length ? random_term(rnd) : undefined, data: random_bytes(rnd, rand_int(rnd, 0, 60)) });
        }
        const first = random_term(rnd);
        check_all_cuts(schedule, first, segments);
        const want = joined(run(schedule, first, segments, one_read).calls);
        for (let k = 0; k < 20; k++) {
          const got = run(schedule, first, segments, (s) => {
            const at = Array.from({ length: rand_int(rnd, 0, 6) }, () => rand_int(rnd, 0, s.length)).sort((x, y) => x - y);
            return cut(s, at);
          });
          expect(joined(got.calls)).to.deep.equal(want);
        }
      }
    });

    it("a terminator split across reads (every split of every terminator) is found", () => {
      for (const term of ["\n", "\r\n", "\r\n.\r\n", "qqq"]) {
        const data = B(`x${term}yy${term}${term}z`);
        check_all_cuts([B(term)], B(term), [{ set: undefined, data }]);
      }
    });

    it("schedule bytes -> int -> None, then bytes again from outside", () => {
      const schedule: terminator[] = [4, null];
      const segments: segment[] = [
        { set: undefined, data: B("head\r\n1234tail-of-none\r\n") },
        { set: B("\r\n"), data: B("after\r\nagain\r\n") },
      ];
      const want = joined(run(schedule, B("\r\n"), segments, one_read).calls);
      expect(want).to.deep.equal([
        `f:${B("head").toString("hex")}`,
        `f:${B("1234").toString("hex")}`,
        `m:${B("tail-of-none\r\n").toString("hex")}`,
        `f:${B("after").toString("hex")}`,
        // the schedule cycles: 4 again, then None
        `f:${B("agai").toString("hex")}`,
        `rest:${B("n\r\n").toString("hex")}`,
      ]);
      check_all_cuts(schedule, B("\r\n"), segments);
    });
  });
});
