// find_prefix_at_end: CPython's test cases and its definition checked over bytes and str.
import { expect } from "chai";
import { find_prefix_at_end } from "../../src/asynchat/index.js";
import { prng, rand_int } from "../helpers/chat.js";

/** The definition, spelled out slowly: the longest l < len(needle) with haystack ending in needle[:l]. */
function slow(h: string, n: string): number {
  let l = n.length - 1;
  while (l && !h.endsWith(n.slice(0, l))) l -= 1;
  return l;
}

describe("asynchat.find_prefix_at_end", () => {
  it("matches CPython's test_find_prefix_at_end (str)", () => {
    expect(find_prefix_at_end("qwerty\r", "\r\n")).to.equal(1);
    expect(find_prefix_at_end("qwertydkjf", "\r\n")).to.equal(0);
  });

  it("works on bytes too", () => {
    expect(find_prefix_at_end(Buffer.from("qwerty\r"), Buffer.from("\r\n"))).to.equal(1);
    expect(find_prefix_at_end(Buffer.from("qwertydkjf"), Buffer.from("\r\n"))).to.equal(0);
    expect(find_prefix_at_end(Buffer.from("abcqq"), Buffer.from("qqq"))).to.equal(2);
    expect(find_prefix_at_end(new Uint8Array([1, 2, 1, 2]), new Uint8Array([1, 2, 1, 2, 3]))).to.equal(4);
    expect(find_prefix_at_end(Buffer.alloc(0), Buffer.from("ab"))).to.equal(0);
  });

  it("returns -1 for an empty needle, like CPython", () => {
    expect(find_prefix_at_end("abc", "")).to.equal(-1);
    expect(find_prefix_at_end(Buffer.from("abc"), Buffer.alloc(0))).to.equal(-1);
  });

  it("refuses mixing str and bytes", () => {
    expect(() => find_prefix_at_end("abc" as never, Buffer.from("c") as never)).to.throw(TypeError);
  });

  it("agrees with the definition on random inputs over a small alphabet", () => {
    const rnd = prng(20240611);
    const word = (len: number): string =>
      Array.from({ length: len }, () => "ab\r\n"[rand_int(rnd, 0, 3)]).join("");
    for (let i = 0; i < 3000; i++) {
      const h = word(rand_int(rnd, 0, 12));
      const n = word(rand_int(rnd, 1, 6));
      if (h.endsWith(n)) continue; // the function assumes no full match at the end
      const want = slow(h, n);
      expect(find_prefix_at_end(h, n), `${JSON.stringify(h)} ${JSON.stringify(n)}`).to.equal(want);
      expect(find_prefix_at_end(Buffer.from(h), Buffer.from(n))).to.equal(want);
    }
  });
});
