// UDP sockets over IPv4 and IPv6: synchronous bind, sendto/recvfrom with addresses, connect, truncation.
import { expect } from "chai";
import * as dgram from "node:dgram";
import {
  AF_INET, AF_INET6, BlockingIOError, OSError, POLLIN, POLLOUT, SOCK_DGRAM, socket, type Address,
} from "../../src/socket/index.js";
import { flag_names, next_event, thrown, wait_for } from "../helpers/net.js";

const UDP_FAMILIES = [
  { name: "IPv4", family: AF_INET, host: "127.0.0.1", width: 2 },
  { name: "IPv6", family: AF_INET6, host: "::1", width: 4 },
] as const;

for (const fam of UDP_FAMILIES) {
  describe(`socket: datagram over ${fam.name}`, () => {
    const open: socket[] = [];
    const udp = (): socket => {
      const s = new socket(fam.family, SOCK_DGRAM);
      open.push(s);
      return s;
    };
    const bound = (): socket => {
      const s = udp();
      s.bind([fam.host, 0]);
      return s;
    };
    afterEach(() => {
      for (const s of open.splice(0)) s.close();
    });

    it("bind([host, 0]) gives the real port through getsockname() at once", () => {
      const s = bound();
      const a = s.getsockname() as readonly unknown[];
      expect(a).to.have.length(fam.width);
      expect(a[0]).to.equal(fam.host);
      expect(a[1]).to.be.within(1, 65535);
      if (fam.width === 4) expect(a.slice(2)).to.deep.equal([0, 0]);
    });

    it("a fresh or bound datagram socket is writable only (POLLOUT)", () => {
      expect(flag_names(udp().poll_flags())).to.equal("POLLOUT");
      expect(flag_names(bound().poll_flags())).to.equal("POLLOUT");
    });

    it("binding a port another socket holds throws OSError EADDRINUSE", async () => {
      const a = bound();
      const b = udp();
      const err = thrown(() => b.bind(a.getsockname()));
      expect(err.errno).to.equal(98);
      await new Promise((r) => setImmediate(r));
      expect(flag_names(b.poll_flags())).to.equal("POLLOUT");
      b.bind([fam.host, 0]);
    });

    it("recvfrom() throws BlockingIOError (EAGAIN) when no datagram waits", () => {
      const s = bound();
      const err = thrown(() => s.recvfrom(100), BlockingIOError);
      expect(err.errno).to.equal(11);
      expect(() => s.recv(100)).to.throw(BlockingIOError);
    });

    it("sendto() returns the length; recvfrom() gives the datagram and the sender's address", async () => {
      const a = bound();
      const b = bound();
      expect(b.sendto(Buffer.from("hello"), a.getsockname())).to.equal(5);
      expect(await wait_for(a, POLLIN)).to.equal(POLLIN | POLLOUT);
      const [data, from] = a.recvfrom(100);
      expect(data.toString()).to.equal("hello");
      expect(from).to.deep.equal(b.getsockname());
      expect(a.poll_flags() & POLLIN).to.equal(0);
    });

    it("keeps datagram boundaries: one recv() per datagram", async () => {
      const a = bound();
      const b = bound();
      b.sendto(Buffer.from("one"), a.getsockname());
      b.sendto(Buffer.from("two"), a.getsockname());
      const got: string[] = [];
      while (got.length < 2) {
        await wait_for(a, POLLIN);
        got.push(a.recv(100).toString());
      }
      expect(got).to.deep.equal(["one", "two"]);
    });

    it("recvfrom(n) truncates a longer datagram and discards the rest", async () => {
      const a = bound();
      const b = bound();
      b.sendto(Buffer.from("0123456789"), a.getsockname());
      b.sendto(Buffer.from("next"), a.getsockname());
      await wait_for(a, POLLIN);
      expect(a.recvfrom(4)[0].toString()).to.equal("0123");
      await wait_for(a, POLLIN);
      expect(a.recvfrom(100)[0].toString()).to.equal("next");
    });

    it("connect() sets the default destination for send() and getpeername()", async () => {
      const a = bound();
      const b = bound();
      b.connect(a.getsockname());
      expect(b.getpeername()).to.deep.equal(a.getsockname());
      expect(b.send(Buffer.from("via send"))).to.equal(8);
      await wait_for(a, POLLIN);
      const [data, from] = a.recvfrom(100);
      expect(data.toString()).to.equal("via send");
      a.sendto(Buffer.from("reply"), from as Address);
      await wait_for(b, POLLIN);
      expect(b.recv(100).toString()).to.equal("reply");
    });

    it("a connected socket receives only from its peer", async () => {
      const a = bound();
      const b = bound();
      const stranger = bound();
      a.connect(b.getsockname());
      stranger.sendto(Buffer.from("stranger"), a.getsockname());
      b.sendto(Buffer.from("peer"), a.getsockname());
      await wait_for(a, POLLIN);
      expect(a.recvfrom(100)).to.deep.equal([Buffer.from("peer"), b.getsockname()]);
    });

    it("talks to a plain node:dgram peer", async () => {
      const a = bound();
      const peer = dgram.createSocket(fam.family === AF_INET6 ? "udp6" : "udp4");
      peer.on("error", () => undefined);
      try {
        peer.bind(0, fam.host);
        await next_event(peer, "listening");
        const port = (a.getsockname() as readonly [string, number])[1];
        peer.send("from node", port, fam.host);
        await wait_for(a, POLLIN);
        const [data, from] = a.recvfrom(100);
        expect(data.toString()).to.equal("from node");
        expect((from as readonly unknown[])[1]).to.equal(peer.address().port);
        const reply = next_event<Buffer>(peer, "message");
        a.sendto(Buffer.from("from us"), from as Address);
        expect((await reply).toString()).to.equal("from us");
      } finally {
        peer.close();
      }
    });

    it("a datagram larger than UDP allows throws OSError EMSGSIZE from sendto() and send()", () => {
      const a = bound();
      const max = fam.family === AF_INET6 ? 65527 : 65507;
      expect(() => udp().sendto(Buffer.alloc(max + 1), a.getsockname())).to.throw(OSError, "[Errno 90] Message too long");
      const b = udp();
      b.connect(a.getsockname());
      expect(() => b.send(Buffer.alloc(max + 1))).to.throw(OSError, "[Errno 90] Message too long");
      expect(b.send(Buffer.alloc(1000))).to.equal(1000);
    });

    it("send() on an unconnected socket throws OSError EDESTADDRREQ", () => {
      const s = bound();
      expect(() => s.send(Buffer.from("x"))).to.throw(OSError, "[Errno 89] Destination address required");
    });

    it("sendto() from an unbound socket binds it to an ephemeral port", async () => {
      const a = bound();
      const b = udp();
      b.sendto(Buffer.from("auto"), a.getsockname());
      expect((b.getsockname() as readonly number[])[1]).to.be.within(1, 65535);
      await wait_for(a, POLLIN);
      const [, from] = a.recvfrom(10);
      expect((from as readonly number[])[1]).to.equal((b.getsockname() as readonly number[])[1]);
    });
  });
}
