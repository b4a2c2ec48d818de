// What select/poll see of an SSLSocket: decrypted bytes make it readable though TCP has nothing new; writable per TLS's room.
import { expect } from "chai";
import * as ssl from "../../src/ssl/index.js";
import { POLLIN, POLLOUT } from "../../src/socket/index.js";
import { poll, select } from "../../src/select/index.js";
import { FAMILIES } from "../helpers/net.js";
import { client_context, drive_handshakes, read_exactly, server_context, socket_pair, tls_pair } from "../helpers/tls.js";

const IPV4 = FAMILIES[0]!;

describe("ssl readiness: pending() and readable tell the truth", () => {
  it("bytes decrypted and left by a short recv() keep the socket readable, and pending() counts them", async () => {
    const [s, c] = await tls_pair(IPV4);
    try {
      expect(c.pending()).to.equal(0);
      const [r0] = await select([c], [], [], 0);
      expect(r0, "readable with nothing sent").to.deep.equal([]);
      s.send(Buffer.alloc(100, 0x61));
      const [r1] = await select([c], [], [], 5);
      expect(r1).to.deep.equal([c]);
      expect(c.recv(10).length).to.equal(10);
      expect(c.pending()).to.equal(90);
      // Nothing new on the connection, yet 90 decrypted bytes wait: readable, as CPython's pending() + select pattern expects.
      const [r2] = await select([c], [], [], 0);
      expect(r2).to.deep.equal([c]);
      expect(c.recv(1000).length).to.equal(90);
      expect(c.pending()).to.equal(0);
      const [r3] = await select([c], [], [], 0);
      expect(r3).to.deep.equal([]);
      expect(() => c.recv(10)).to.throw(ssl.SSLWantReadError, "The operation did not complete (read) (_ssl.c:2580)");
    } finally {
      s.close();
      c.close();
    }
  });

  it("a finished handshake not yet seen by do_handshake() reads as readable once; after it, not", async () => {
    const [a, b] = await socket_pair(IPV4);
    const s = server_context().wrap_socket(a, { server_side: true, do_handshake_on_connect: false });
    const c = client_context().wrap_socket(b, { server_hostname: "127.0.0.1", do_handshake_on_connect: false });
    try {
      // Drive only the server: the client's TLS runs on its own, and its end shows as readable.
      await drive_handshakes([s]);
      const [r] = await select([c], [], [], 5);
      expect(r).to.deep.equal([c]);
      c.do_handshake();
      const [r2] = await select([c], [], [], 0);
      expect(r2).to.deep.equal([]);
    } finally {
      s.close();
      c.close();
    }
  });

  it("writable while TLS has room; full after sends the peer does not read (SSLWantWriteError), writable again once it reads", async () => {
    const [s, c] = await tls_pair(IPV4);
    try {
      expect(s.poll_flags() & POLLOUT).to.equal(POLLOUT);
      const chunk = Buffer.alloc(65536, 0x62);
      let sent = 0;
      let full = false;
      for (let i = 0; i < 10000 && !full; i++) {
        try {
          sent += s.send(chunk);
        } catch (e) {
          expect(e).to.be.instanceOf(ssl.SSLWantWriteError);
          expect((e as Error).message).to.equal("The operation did not complete (write) (_ssl.c:2427)");
          full = true;
        }
        if (!full && (s.poll_flags() & POLLOUT) === 0) {
          // Not writable: wait until Node has moved what it can, then try again.
          const [, w] = await select([], [s], [], 0.2);
          if (w.length === 0) full = true;
        }
      }
      expect(full).to.equal(true);
      expect(s.poll_flags() & POLLOUT).to.equal(0);
      const got = await read_exactly(c, sent, { ms: 20000 });
      expect(got.length).to.equal(sent);
      const [, w] = await select([], [s], [], 5);
      expect(w).to.deep.equal([s]);
    } finally {
      s.close();
      c.close();
    }
  });

  it("a poll() registration made on the plain socket follows it through wrap_socket()", async () => {
    const [a, b] = await socket_pair(IPV4);
    const p = new poll();
    p.register(a, POLLIN);
    const fd = a.fileno();
    const s = server_context().wrap_socket(a, { server_side: true, do_handshake_on_connect: false });
    const c = client_context().wrap_socket(b, { server_hostname: "localhost", do_handshake_on_connect: false });
    try {
      expect(s.fileno()).to.equal(fd);
      expect(a.fileno()).to.equal(-1);
      await drive_handshakes([s, c]);
      c.send(Buffer.from("through the registration"));
      const ready = await p.poll(5000);
      expect(ready).to.deep.equal([[fd, POLLIN]]);
      expect(s.recv(100).toString()).to.equal("through the registration");
    } finally {
      p.unregister(fd);
      s.close();
      c.close();
    }
  });
});
