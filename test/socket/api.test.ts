// The socket object's argument checks, options and repr, independent of any connection.
import { expect } from "chai";
import {
  AF_INET, AF_INET6, AF_UNIX, IPPROTO_TCP, OSError, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_KEEPALIVE,
  SO_RCVBUF, SO_REUSEADDR, SO_SNDBUF, SO_TYPE, TCP_NODELAY, socket, lookup_fd,
} from "../../src/socket/index.js";
import { ValueError } from "../../src/errno/index.js";

describe("socket: API surface", () => {
  const open: socket[] = [];
  const mk = (family = AF_INET, type = SOCK_STREAM): socket => {
    const s = new socket(family, type);
    open.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  describe("argument checks", () => {
    it("recv() with a negative size throws ValueError", () => {
      expect(() => mk().recv(-1)).to.throw(ValueError, "negative buffersize in recv");
    });

    it("recv() with a non-integer size throws TypeError", () => {
      expect(() => mk().recv("x" as unknown as number)).to.throw(TypeError, "'str' object cannot be interpreted as an integer");
      expect(() => mk().recv(1.5)).to.throw(TypeError, "'float' object cannot be interpreted as an integer");
    });

    it("send() of a str throws TypeError, as Python does", () => {
      expect(() => mk().send("str" as unknown as Buffer)).to.throw(TypeError, "a bytes-like object is required, not 'str'");
    });

    it("bind() of an AF_INET address that is not a pair throws TypeError", () => {
      expect(() => mk().bind("127.0.0.1" as never)).to.throw(TypeError);
      expect(() => mk().bind(["127.0.0.1"] as never)).to.throw(TypeError, "AF_INET address must be a pair (host, port)");
    });

    it("an unknown family or type throws OSError with Linux's errno", () => {
      expect(() => new socket(99, SOCK_STREAM)).to.throw(OSError, "[Errno 97]");
      expect(() => new socket(AF_INET, 99)).to.throw(OSError, "[Errno 22]");
      expect(() => new socket(AF_INET, 5 /* SOCK_SEQPACKET */)).to.throw(OSError, "[Errno 94]");
      expect(() => new socket(AF_INET, 3 /* SOCK_RAW */)).to.throw(OSError, "[Errno 93]");
    });
  });

  describe("unconnected stream socket", () => {
    it("recv() throws OSError ENOTCONN and send() BrokenPipeError, as on Linux", () => {
      const s = mk();
      expect(() => s.recv(1)).to.throw(OSError, "[Errno 107] Transport endpoint is not connected");
      expect(() => s.send(Buffer.from("x"))).to.throw(OSError, "[Errno 32] Broken pipe");
    });

    it("getpeername() throws ENOTCONN; getsockname() gives the unbound address", () => {
      expect(() => mk().getpeername()).to.throw(OSError, "[Errno 107]");
      expect(mk().getsockname()).to.deep.equal(["0.0.0.0", 0]);
      expect(mk(AF_INET6).getsockname()).to.deep.equal(["::", 0, 0, 0]);
      expect(mk(AF_UNIX).getsockname()).to.equal("");
    });

    it("accept() before listen() throws OSError EINVAL", () => {
      expect(() => mk().accept()).to.throw(OSError, "[Errno 22] Invalid argument");
    });
  });

  describe("options", () => {
    it("SO_SNDBUF, SO_RCVBUF, SO_REUSEADDR, SO_KEEPALIVE and TCP_NODELAY read back what was set", () => {
      const s = mk();
      s.setsockopt(SOL_SOCKET, SO_SNDBUF, 12345);
      s.setsockopt(SOL_SOCKET, SO_RCVBUF, 54321);
      s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
      s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      expect([
        s.getsockopt(SOL_SOCKET, SO_SNDBUF),
        s.getsockopt(SOL_SOCKET, SO_RCVBUF),
        s.getsockopt(SOL_SOCKET, SO_REUSEADDR),
        s.getsockopt(SOL_SOCKET, SO_KEEPALIVE),
        s.getsockopt(IPPROTO_TCP, TCP_NODELAY),
      ]).to.deep.equal([12345, 54321, 1, 1, 1]);
    });

    it("an option set on one new socket is not seen by another (new sockets share their defaults until one is set)", () => {
      const a = mk();
      const b = mk();
      const rcvbuf = b.getsockopt(SOL_SOCKET, SO_RCVBUF);
      a.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
      a.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      expect([b.getsockopt(SOL_SOCKET, SO_RCVBUF), b.getsockopt(IPPROTO_TCP, TCP_NODELAY)]).to.deep.equal([rcvbuf, 0]);
      expect([mk().getsockopt(SOL_SOCKET, SO_RCVBUF), mk().getsockopt(IPPROTO_TCP, TCP_NODELAY)]).to.deep.equal([rcvbuf, 0]);
      expect(a.getsockopt(IPPROTO_TCP, TCP_NODELAY)).to.equal(1);
    });

    it("SO_TYPE tells stream from datagram; getsockopt with a buflen gives bytes", () => {
      expect(mk().getsockopt(SOL_SOCKET, SO_TYPE)).to.equal(SOCK_STREAM);
      expect(mk(AF_INET, SOCK_DGRAM).getsockopt(SOL_SOCKET, SO_TYPE)).to.equal(SOCK_DGRAM);
      expect(mk().getsockopt(SOL_SOCKET, SO_TYPE, 4)).to.deep.equal(Buffer.from([1, 0, 0, 0]));
    });

    it("an unknown option throws OSError ENOPROTOOPT", () => {
      expect(() => mk().getsockopt(SOL_SOCKET, 999)).to.throw(OSError, "[Errno 92] Protocol not available");
    });

    it("setblocking/gettimeout follow Python: non-blocking is timeout 0.0", () => {
      const s = mk();
      expect(s.gettimeout()).to.equal(0);
      s.setblocking(true);
      expect(s.gettimeout()).to.equal(null);
      s.setblocking(false);
      expect(s.gettimeout()).to.equal(0);
      expect(() => s.settimeout(-1)).to.throw(ValueError);
    });
  });

  describe("descriptor table", () => {
    it("lookup_fd() finds an open socket by its number and forgets it once closed", () => {
      const s = mk();
      const fd = s.fileno();
      expect(lookup_fd(fd)).to.equal(s);
      s.close();
      expect(lookup_fd(fd)).to.equal(undefined);
    });
  });

  describe("repr", () => {
    it("toString() reads like Python's repr", () => {
      const s = mk();
      expect(String(s)).to.equal(`<socket.socket fd=${s.fileno()}, family=AF_INET, type=SOCK_STREAM, proto=0>`);
      s.bind(["127.0.0.1", 0]);
      const port = (s.getsockname() as readonly number[])[1];
      expect(String(s)).to.equal(`<socket.socket fd=${s.fileno()}, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=127.0.0.1:${port}>`);
      s.close();
      expect(String(s)).to.equal("<socket.socket [closed] fd=-1, family=AF_INET, type=SOCK_STREAM, proto=0>");
    });
  });
});
