// 16 MiB each way through TLS, byte-exact, with a slow reader on the far side: backpressure holds and nothing is lost.
import { expect } from "chai";
import { FAMILIES, pattern } from "../helpers/net.js";
import { read_exactly, tls_pair, write_all } from "../helpers/tls.js";

const SIZE = 16 * 1024 * 1024;

describe("ssl bulk: 16 MiB each way at once, a slow reader on the far side", function () {
  this.timeout(120000);
  for (const fam of [FAMILIES[0]!, FAMILIES[2]!]) {
    it(`${fam.name}: both directions arrive byte-exact, and the decrypted bytes held stay within SO_RCVBUF`, async () => {
      const [s, c] = await tls_pair(fam);
      try {
        const down = pattern(SIZE, 7);
        const up = pattern(SIZE, 11);
        let most_held = 0;
        const watch = setInterval(() => {
          most_held = Math.max(most_held, s.pending(), c.pending());
        }, 1);
        try {
          const [, , got_down, got_up] = await Promise.all([
            write_all(s, down, 100000),
            write_all(c, up, 100000),
            // The client reads in small slices with a pause every 64 KiB: the server's sends back up.
            read_exactly(c, SIZE, { chunk: 16384, pace: 0, ms: 100000, pause_every: 65536, pause_ms: 1 }),
            read_exactly(s, SIZE, { ms: 100000 }),
          ]);
          expect(got_down.length).to.equal(SIZE);
          expect(got_up.length).to.equal(SIZE);
          expect(got_down.equals(down), "server to client bytes differ").to.equal(true);
          expect(got_up.equals(up), "client to server bytes differ").to.equal(true);
        } finally {
          clearInterval(watch);
        }
        // Decrypted bytes are held up to SO_RCVBUF (128 KiB) plus one TLS record.
        expect(most_held).to.be.at.most(131072 + 16384 + 1024);
      } finally {
        s.close();
        c.close();
      }
    });
  }
});
