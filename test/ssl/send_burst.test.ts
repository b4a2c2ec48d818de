// Sends made back to back while TLS still encrypts the first (Node's stream holds them meanwhile): every byte leaves, in order, before what follows.
import { expect } from "chai";
import * as ssl from "../../src/ssl/index.js";
import { POLLOUT, SOL_SOCKET, SO_SNDBUF } from "../../src/socket/index.js";
import { FAMILIES } from "../helpers/net.js";
import { read_exactly, tls_pair, unwrap } from "../helpers/tls.js";

/** Sizes from 1 byte to 100 KiB, so that the burst outgrows whatever it is first held in. */
const SIZES = [1, 5, 16384, 3, 65536, 100_000, 7, 40_000, 2, 131_072, 11];

/** Distinct bytes per send, so that a reordering or a reused buffer shows. */
function bursts(): Buffer[] {
  return SIZES.map((n, i) => {
    const b = Buffer.allocUnsafe(n);
    for (let j = 0; j < n; j++) b[j] = (i * 37 + j * 11) & 0xff;
    return b;
  });
}

/** send() until all of `b` is taken, in this same turn (the default SO_SNDBUF takes a burst of this size at once). */
function send_all(s: ssl.SSLSocket, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += s.send(b.subarray(off));
}

/** A burst of every size sent in this same turn; what the peer must receive. */
function send_burst(s: ssl.SSLSocket): Buffer {
  const parts = bursts();
  for (const b of parts) send_all(s, b);
  return Buffer.concat(parts);
}

/** The peer reads exactly `want`. */
async function expect_received(c: ssl.SSLSocket, want: Buffer): Promise<void> {
  const got = await read_exactly(c, want.length);
  expect(got.equals(want)).to.equal(true);
}

describe("ssl sends in a burst, while TLS still encrypts the first: order, unwrap(), close(), SO_SNDBUF", () => {
  const fam = FAMILIES[0]!;

  it("a burst of sends of every size in one turn arrives byte-exact and in order, twice over", async () => {
    const [s, c] = await tls_pair(fam);
    try {
      for (let round = 0; round < 2; round++) {
        await expect_received(c, send_burst(s));
      }
    } finally {
      s.close();
      c.close();
    }
  });

  it("unwrap() right after a burst: every byte comes before the close_notify, plain bytes after", async () => {
    const [s, c] = await tls_pair(fam);
    try {
      const want = send_burst(s);
      expect(() => s.unwrap()).to.throw(ssl.SSLWantReadError);
      await expect_received(c, want);
      expect(await read_exactly(c, 1)).to.deep.equal(Buffer.alloc(0));
      await unwrap(c);
      await unwrap(s);
      s.send(Buffer.from("plain"));
      expect((await read_exactly(c, 5)).toString()).to.equal("plain");
    } finally {
      s.close();
      c.close();
    }
  });

  it("close() right after a burst: every byte still reaches the peer", async () => {
    const [s, c] = await tls_pair(fam);
    try {
      const want = send_burst(s);
      s.close();
      await expect_received(c, want);
    } finally {
      s.close();
      c.close();
    }
  });

  it("what a burst holds counts against SO_SNDBUF: send() takes no more, then refuses, and POLLOUT is off", async () => {
    const [s, c] = await tls_pair(fam);
    try {
      s.setsockopt(SOL_SOCKET, SO_SNDBUF, 65536);
      const chunk = Buffer.alloc(10_000, 0x61);
      let taken = 0;
      let refused: unknown = null;
      for (let i = 0; i < 20 && refused === null; i++) {
        try {
          taken += s.send(chunk);
        } catch (e) {
          refused = e;
        }
      }
      expect(refused).to.be.instanceOf(ssl.SSLWantWriteError);
      expect(taken).to.be.at.most(65536);
      expect(s.poll_flags() & POLLOUT).to.equal(0);
      expect((await read_exactly(c, taken)).equals(Buffer.alloc(taken, 0x61))).to.equal(true);
    } finally {
      s.close();
      c.close();
    }
  });
});
