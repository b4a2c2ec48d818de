// unwrap(): close_notify both ways without blocking, then plain bytes on the same connection (FTP's CCC).
import { expect } from "chai";
import * as ssl from "../../src/ssl/index.js";
import { ValueError } from "../../src/errno/index.js";
import { FAMILIES } from "../helpers/net.js";
import { read_exactly, tls_pair, unwrap } from "../helpers/tls.js";

describe("ssl unwrap: close_notify, then plain bytes on the same connection", () => {
  for (const fam of FAMILIES) {
    it(`${fam.name}: the server unwraps first; the client sees b'', unwraps; plain bytes flow both ways`, async () => {
      const [s, c] = await tls_pair(fam);
      try {
        s.send(Buffer.from("secret"));
        expect(() => s.unwrap()).to.throw(ssl.SSLWantReadError, "(_ssl.c:2706)");
        expect((await read_exactly(c, 6)).toString()).to.equal("secret");
        expect(await read_exactly(c, 1)).to.deep.equal(Buffer.alloc(0));
        expect(c._sslobj).to.not.equal(null);
        const cp = await unwrap(c);
        expect(cp).to.equal(c);
        expect(c._sslobj).to.equal(null);
        const sp = await unwrap(s);
        expect(sp).to.equal(s);
        expect(c.version()).to.equal(null);
        expect(c.pending()).to.equal(0);
        c.send(Buffer.from("plain up"));
        s.send(Buffer.from("plain down"));
        expect((await read_exactly(s, 8)).toString()).to.equal("plain up");
        expect((await read_exactly(c, 10)).toString()).to.equal("plain down");
        expect(() => s.unwrap()).to.throw(ValueError, "No SSL wrapper around");
      } finally {
        s.close();
        c.close();
      }
    });
  }

  it("the client unwraps first and the server sends plain bytes right behind its close_notify: none is lost", async () => {
    const [s, c] = await tls_pair(FAMILIES[0]!);
    try {
      expect(() => c.unwrap()).to.throw(ssl.SSLWantReadError);
      expect(await read_exactly(s, 1)).to.deep.equal(Buffer.alloc(0));
      // The client's close_notify is in: the server's unwrap completes at once, and its plain
      // reply leaves in the same turn as its close_notify.
      const sp = await unwrap(s);
      sp.send(Buffer.from("200 plain from here\r\n"));
      const cp = await unwrap(c);
      expect((await read_exactly(cp, 21)).toString()).to.equal("200 plain from here\r\n");
      cp.send(Buffer.from("PWD\r\n"));
      expect((await read_exactly(sp, 5)).toString()).to.equal("PWD\r\n");
    } finally {
      s.close();
      c.close();
    }
  });

  it("send() while unwrap() waits raises SSLError PROTOCOL_IS_SHUTDOWN; unwrap() before any TLS raises ValueError", async () => {
    const [s, c] = await tls_pair(FAMILIES[0]!);
    try {
      expect(() => s.unwrap()).to.throw(ssl.SSLWantReadError);
      expect(() => s.send(Buffer.from("x"))).to.throw(ssl.SSLError, "[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown (_ssl.c:2427)");
    } finally {
      s.close();
      c.close();
    }
  });
});
