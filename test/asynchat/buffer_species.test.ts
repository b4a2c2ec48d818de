// The Node behaviour the framing's item views stand on (framing.ts, `View`), asserted on its own.
import { expect } from "chai";

describe("Node assumption: Buffer's species constructor makes Buffer views", () => {
  // ECMAScript's TypedArraySpeciesCreate constructs `constructor[Symbol.species]`; Node gives
  // Buffer one so that TypedArray methods called on a Buffer return Buffers.
  const Species = (Buffer as unknown as { [Symbol.species]: new (ab: ArrayBufferLike, off: number, len: number) => Buffer })[
    Symbol.species
  ];

  it("is a constructor whose (arrayBuffer, byteOffset, length) is the view Buffer.from(arrayBuffer, byteOffset, length) gives", () => {
    expect(Species, "Buffer[Symbol.species] is gone: framing falls back to Buffer.from").to.be.a("function");
    const ab = new ArrayBuffer(8);
    new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8]);
    const v = new Species(ab, 2, 3);
    const w = Buffer.from(ab, 2, 3);
    expect(Object.getPrototypeOf(v)).to.equal(Object.getPrototypeOf(w));
    expect(Object.getPrototypeOf(v)).to.equal(Buffer.prototype);
    expect(Buffer.isBuffer(v)).to.equal(true);
    expect(v.constructor).to.equal(Buffer);
    expect([v.buffer === ab, v.byteOffset, v.length]).to.deep.equal([true, 2, 3]);
    expect([...v]).to.deep.equal([3, 4, 5]);
    v[0] = 9; // a view, not a copy
    expect(new Uint8Array(ab)[2]).to.equal(9);
  });

  it("is what TypedArray's own subarray constructs for a Buffer", () => {
    const b = Buffer.from("abcdef");
    const s = Uint8Array.prototype.subarray.call(b, 1, 3);
    expect(s).to.be.instanceOf(Species);
    expect(Object.getPrototypeOf(s)).to.equal(Buffer.prototype);
    expect(s.toString()).to.equal("bc");
  });
});
