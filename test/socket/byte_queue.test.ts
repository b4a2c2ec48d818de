// ByteQueue: take (input side), peek/drop (output side) across chunk boundaries, for every way a byte string can be split.
import { expect } from "chai";
import { ByteQueue, ZERO_COPY_MIN } from "../../src/socket/byte_queue.js";

const DATA = Buffer.from("0123456789abcdefghij", "latin1");

/** A buffer fed DATA in chunks cut at the given offsets. */
function fed(cuts: number[]): ByteQueue {
  const rb = new ByteQueue();
  let at = 0;
  for (const c of [...cuts, DATA.length]) {
    rb.push(DATA.subarray(at, c));
    at = c;
  }
  return rb;
}

/** Every split of DATA into two and three chunks (including empty pushes at the ends). */
function splits(): number[][] {
  const out: number[][] = [];
  for (let i = 0; i <= DATA.length; i++) {
    out.push([i]);
    for (let j = i; j <= DATA.length; j += 3) out.push([i, j]);
  }
  return out;
}

describe("socket/ByteQueue", () => {
  describe("take()", () => {
    it("returns exactly n bytes from the front, in order, at every split offset and size", () => {
      for (const cuts of splits()) {
        for (let n = 1; n <= DATA.length + 1; n++) {
          const rb = fed(cuts);
          const parts: Buffer[] = [];
          for (;;) {
            const before = rb.length;
            const got = rb.take(n);
            if (got.length === 0) break;
            expect(got.length, `cuts ${cuts} n ${n}`).to.equal(Math.min(n, before));
            expect(rb.length).to.equal(before - got.length);
            parts.push(Buffer.from(got));
          }
          expect(Buffer.concat(parts).toString("latin1"), `cuts ${cuts} n ${n}`).to.equal(DATA.toString("latin1"));
          expect(rb.length).to.equal(0);
        }
      }
    });

    it("coalesces several chunks into one result of up to n bytes", () => {
      const rb = new ByteQueue();
      for (const s of ["ab", "cd", "ef", "gh"]) rb.push(Buffer.from(s));
      expect(rb.take(7).toString()).to.equal("abcdefg");
      expect(rb.take(7).toString()).to.equal("h");
    });

    it("hands out a slice of the chunk (no copy) when the front chunk holds n bytes", () => {
      const chunk = Buffer.from("hello world");
      const rb = new ByteQueue();
      rb.push(chunk);
      const got = rb.take(5);
      expect(got.buffer).to.equal(chunk.buffer);
      expect(got.byteOffset).to.equal(chunk.byteOffset);
      expect(rb.take(100).toString()).to.equal(" world");
    });

    it("hands out a large front chunk alone, as a slice, rather than copying it to join the next", () => {
      const big = Buffer.alloc(ZERO_COPY_MIN, 1);
      const rb = new ByteQueue();
      rb.push(big);
      rb.push(Buffer.from("tail"));
      const got = rb.take(ZERO_COPY_MIN + 100);
      expect(got).to.equal(big);
      expect(rb.take(100).toString()).to.equal("tail");
    });

    it("hands out a small front chunk alone, as a slice, when a large chunk follows and n is large", () => {
      const big = Buffer.alloc(65536, 2);
      const rb = new ByteQueue();
      rb.push(Buffer.alloc(65536, 1));
      rb.push(big);
      rb.take(65536 - 100);
      // Joining would copy 100 bytes and 65,436 of the next chunk, leaving 100 at the front again.
      const head = rb.take(65536);
      expect(head.length).to.equal(100);
      expect(head.every((b) => b === 1)).to.equal(true);
      expect(rb.take(65536)).to.equal(big);
      expect(rb.length).to.equal(0);
    });

    it("still joins a small front chunk with a large one for a small request", () => {
      const rb = new ByteQueue();
      rb.push(Buffer.alloc(100, 1));
      rb.push(Buffer.alloc(65536, 2));
      const got = rb.take(8192);
      expect(got.length).to.equal(8192);
      expect(got.subarray(0, 100).every((b) => b === 1)).to.equal(true);
      expect(got.subarray(100).every((b) => b === 2)).to.equal(true);
      expect(rb.length).to.equal(65536 + 100 - 8192);
    });

    it("still joins small chunks for a large request when no large chunk follows the front", () => {
      const rb = new ByteQueue();
      for (const s of ["ab", "cd"]) rb.push(Buffer.from(s));
      rb.push(Buffer.alloc(ZERO_COPY_MIN, 0x78));
      expect(rb.take(ZERO_COPY_MIN).toString()).to.equal("ab" + "cd" + "x".repeat(ZERO_COPY_MIN - 4));
    });

    it("returns an empty Buffer when empty or when n <= 0, consuming nothing", () => {
      const rb = new ByteQueue();
      expect(rb.take(10).length).to.equal(0);
      rb.push(Buffer.from("xy"));
      expect(rb.take(0).length).to.equal(0);
      expect(rb.take(-1).length).to.equal(0);
      expect(rb.length).to.equal(2);
    });

    it("ignores empty pushes", () => {
      const rb = new ByteQueue();
      rb.push(Buffer.alloc(0));
      rb.push(Buffer.from("a"));
      rb.push(Buffer.alloc(0));
      rb.push(Buffer.from("b"));
      expect(rb.length).to.equal(2);
      expect(rb.take(5).toString()).to.equal("ab");
    });

    it("stays correct after many chunks are consumed (front compaction)", () => {
      const rb = new ByteQueue();
      let expected = "";
      for (let i = 0; i < 300; i++) {
        const s = String.fromCharCode(65 + (i % 26));
        rb.push(Buffer.from(s));
        expected += s;
      }
      let got = "";
      for (let i = 0; i < 200; i++) got += rb.take(1).toString();
      rb.push(Buffer.from("!"));
      got += rb.take(1000).toString();
      expect(got).to.equal(expected + "!");
      expect(rb.length).to.equal(0);
    });
  });

  describe("peek_take(): what take(n) would return, unconsumed (MSG_PEEK)", () => {
    it("hands out the front chunk alone where take(n) does, and joins where it joins", () => {
      const rb = new ByteQueue();
      rb.push(Buffer.alloc(65536, 1));
      rb.push(Buffer.alloc(65536, 2));
      rb.take(65536 - 100);
      const peeked = Buffer.from(rb.peek_take(65536));
      expect(peeked.length).to.equal(100);
      expect(rb.length).to.equal(65536 + 100);
      expect(rb.take(65536).equals(peeked)).to.equal(true);
      const big = new ByteQueue();
      big.push(Buffer.alloc(ZERO_COPY_MIN, 3));
      big.push(Buffer.from("tail"));
      expect(big.peek_take(ZERO_COPY_MIN + 100).length).to.equal(ZERO_COPY_MIN);
      expect(big.take(ZERO_COPY_MIN + 100).length).to.equal(ZERO_COPY_MIN);
      for (const cuts of splits()) {
        for (let n = 0; n <= DATA.length + 1; n++) {
          const q = fed(cuts);
          const p = Buffer.from(q.peek_take(n));
          expect(q.take(n).equals(p), `cuts ${cuts} n ${n}`).to.equal(true);
        }
      }
    });
  });

  describe("peek()", () => {
    it("returns up to n front bytes without consuming them, at every split offset", () => {
      for (const cuts of splits()) {
        for (let n = 0; n <= DATA.length + 1; n++) {
          const rb = fed(cuts);
          expect(rb.peek(n).toString("latin1"), `cuts ${cuts} n ${n}`).to.equal(DATA.subarray(0, n).toString("latin1"));
          expect(rb.length).to.equal(DATA.length);
          expect(rb.take(DATA.length).toString("latin1")).to.equal(DATA.toString("latin1"));
        }
      }
    });

    it("returns the front chunk itself when it is all that is asked for (no new view)", () => {
      const chunk = Buffer.from("abc");
      const rb = new ByteQueue();
      rb.push(chunk);
      expect(rb.peek(3)).to.equal(chunk);
      expect(rb.peek(100)).to.equal(chunk);
      expect(rb.peek(2).buffer).to.equal(chunk.buffer);
    });

    it("sees the rest after a partial take() of the front chunk", () => {
      const rb = fed([5, 12]);
      rb.take(3);
      expect(rb.peek(6).toString()).to.equal("345678");
      expect(rb.take(20).toString()).to.equal(DATA.subarray(3).toString());
    });
  });

  describe("drop()", () => {
    it("peek(n) then drop(k) for every 1 <= k <= n walks the bytes in order, at every split offset", () => {
      for (const cuts of splits()) {
        for (let n = 1; n <= 7; n++) {
          for (let k = 1; k <= n; k++) {
            const rb = fed(cuts);
            let sent = "";
            for (let guard = 0; rb.length > 0 && guard < 100; guard++) {
              const view = rb.peek(n);
              // a send that takes k of the n bytes offered
              const took = Math.min(k, view.length);
              sent += view.subarray(0, took).toString("latin1");
              rb.drop(took);
            }
            expect(sent, `cuts ${cuts} n ${n} k ${k}`).to.equal(DATA.toString("latin1"));
            expect(rb.length).to.equal(0);
          }
        }
      }
    });

    it("drops no more than it holds", () => {
      const rb = fed([3]);
      rb.drop(DATA.length + 10);
      expect(rb.length).to.equal(0);
      expect(rb.peek(5).length).to.equal(0);
    });
  });

  describe("clear()", () => {
    it("drops everything", () => {
      const rb = fed([4, 9]);
      rb.clear();
      expect(rb.length).to.equal(0);
      expect(rb.take(5).length).to.equal(0);
      rb.push(Buffer.from("z"));
      expect(rb.take(5).toString()).to.equal("z");
    });
  });
});
