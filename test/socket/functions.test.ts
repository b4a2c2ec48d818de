// The socket module's functions against CPython (live), and create_server/create_connection/socketpair.
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { expect } from "chai";
import { ConnectionRefusedError, EADDRINUSE, EOPNOTSUPP, OSError, OverflowError, ValueError } from "../../src/errno/index.js";
import * as socket from "../../src/socket/index.js";
import { accept_one, recv_all, thrown, wait_for } from "../helpers/net.js";
import { python3_or_skip } from "../helpers/python.js";

type Arg = string | number | null | { hex: string };
type Call = [name: string, ...args: Arg[]];
type Outcome = { ok: unknown } | { err: string; msg: string };

const AF_INET = socket.AF_INET;
const AF_INET6 = socket.AF_INET6;
const STREAM = socket.SOCK_STREAM;
const DGRAM = socket.SOCK_DGRAM;
const hex = (h: string): { hex: string } => ({ hex: h });

const CALLS: Call[] = [
  ...["1.2.3.4", "1.2.3", "256.1.1.1", "1", "0x7f.1", "127.1", "", "a.b.c.d", "1.2.3.4 ", "01.02.03.04", "4294967295",
    "4294967296", "1.2.3.4.5", "0377.0.0.1", "08.1.1.1", "1.2.65535", "1.2.65536", " 1.2.3.4", "1.2.3.4\n", "1.2.3.4x",
    "1.2.3.4 junk", "0x", "0xg"].map((s): Call => ["inet_aton", s]),
  ["inet_ntoa", hex("01020304")], ["inet_ntoa", hex("010203")], ["inet_ntoa", "abcd"],
  ...["1.2.3.4", "1.2.3", "01.2.3.4", "1.2.3.04", "0.0.0.0", "255.255.255.255", "256.0.0.0", "1.2.3.4 "].map((s): Call => ["inet_pton", AF_INET, s]),
  ...["::1", "::", "::ffff:1.2.3.4", "1::2::3", "fe80::1%eth0", "::1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
    "::1:2:3:4:5:6:7:8", "12345::", ":1::", "1::2:1.2.3.4", "1.2.3.4::", "ABCD::", "1:2:3:4:5:6:7", "::01.2.3.4",
    "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", ":::", "1:::2"].map((s): Call => ["inet_pton", AF_INET6, s]),
  ["inet_pton", 99, "1.2.3.4"], ["inet_pton", socket.AF_UNIX, "x"], ["inet_pton", AF_INET, 1],
  ["inet_ntop", AF_INET, hex("01020304")], ["inet_ntop", AF_INET, hex("010203")], ["inet_ntop", 99, hex("01020304")],
  ...["00000000000000000000000000000001", "00000000000000000000000001020304", "00010000000000000000000000000001",
    "00010000000100000000000000000001", "00000000000000000000ffff01020304", "00000000000000000000000000000000",
    "00010002000300040005000600070008", "00000001000000000000000000000000", "20010db8000000000001000000000001",
    "000000000000000000000000000a0b0c", "fe800000000000000000000000000001", "00000000000000000000fffe01020304",
    "00010000000000000000000000000000", "0000000000000000000000000000"].map((h): Call => ["inet_ntop", AF_INET6, hex(h)]),
  ...["htons", "ntohs", "htonl", "ntohl"].flatMap((f) =>
    [0, 1, 0x1234, 65535, 65536, 70000, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 1.5, "1", null]
      .map((v): Call => [f, v])),
  ["getservbyname", "http"], ["getservbyname", "http", "tcp"], ["getservbyname", "ftp", "tcp"],
  ["getservbyname", "domain", "udp"], ["getservbyname", "nosuch"], ["getservbyname", "http", "sctp"],
  ["getservbyname", "smtp"], ["getservbyname", "ftp-data"], ["getservbyname", "www"],
  ["gethostname"],
  ["gethostbyname", "localhost"], ["gethostbyname", "1.2.3.4"], ["gethostbyname", "::1"], ["gethostbyname", ""],
  ["gethostbyname", "1.2.3"], ["gethostbyname", "<broadcast>"], ["gethostbyname", hostname()],
  ["gethostbyname", hostname().toUpperCase()], ["gethostbyname", "nosuch.invalid"],
  ["gethostbyaddr", "127.0.0.1"], ["gethostbyaddr", hostname()],
  ["getfqdn"], ["getfqdn", "localhost"], ["getfqdn", "127.0.0.1"], ["getfqdn", "nosuch.invalid"], ["getfqdn", " "],
  ["getaddrinfo", "localhost", 80], ["getaddrinfo", "localhost", 80, 0, STREAM],
  ["getaddrinfo", "127.0.0.1", "http", AF_INET, STREAM], ["getaddrinfo", null, 80, AF_INET, STREAM],
  ["getaddrinfo", null, 80, AF_INET, STREAM, 0, socket.AI_PASSIVE], ["getaddrinfo", null, 80, 0, STREAM],
  ["getaddrinfo", null, 80, 0, STREAM, 0, socket.AI_PASSIVE], ["getaddrinfo", "::1", null],
  ["getaddrinfo", "nosuch.invalid", 80], ["getaddrinfo", null, null], ["getaddrinfo", "1.2.3.4", "nosuch"],
  ["getaddrinfo", "1.2.3.4", 70000], ["getaddrinfo", "1.2.3.4", 80, 99], ["getaddrinfo", "::1", 80, AF_INET],
  ["getaddrinfo", "1.2.3.4", 80, AF_INET6, STREAM], ["getaddrinfo", "1.2.3.4", 80, 0, DGRAM],
  ["getaddrinfo", "1.2.3.4", "80", 0, STREAM], ["getaddrinfo", "1.2.3", 80, AF_INET, STREAM],
  ["getaddrinfo", "1.2.3.4", 80, socket.AF_UNIX], ["getaddrinfo", "localhost", 80, 0, STREAM, 0, socket.AI_NUMERICHOST],
  ["getaddrinfo", "1.2.3.4", "http", 0, STREAM, 0, socket.AI_NUMERICSERV],
  ["getaddrinfo", hostname(), 80, 0, 0, 0, socket.AI_CANONNAME],
  ["getaddrinfo", "1.2.3.4", 80, 0, STREAM, 0, socket.AI_CANONNAME], ["getaddrinfo", "1.2.3.4", 80, 0, 0, 6],
  ["getaddrinfo", "1.2.3.4", 80, 0, STREAM, 17], ["getaddrinfo", "1.2.3.4", "domain"], ["getaddrinfo", "1.2.3.4", "ftp"],
  ["getaddrinfo", "1.2.3.4", "ftp", 0, DGRAM], ["getaddrinfo", "1.2.3.4", -1, 0, STREAM],
  ["getaddrinfo", "1.2.3.4", 1.5, 0, STREAM], ["getaddrinfo", "1.2.3.4", 80, 0, 99], ["getaddrinfo", "", 80, 0, STREAM],
  ["getaddrinfo", "1.2.3.4 ", 80, 0, STREAM], ["getaddrinfo", "0x7f.1", 80, 0, STREAM],
  ["getaddrinfo", "fe80::1%1", 80, 0, STREAM], ["getaddrinfo", "::ffff:1.2.3.4", 80, 0, STREAM],
];

/** Ours, in the shape the Python side prints: bytes as {hex}, errors as type name and message. */
function ours([name, ...args]: Call): Outcome {
  const fn = (socket as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
  const real = args.map((a) => (a !== null && typeof a === "object" ? Buffer.from(a.hex, "hex") : a));
  try {
    const r = fn(...real);
    return { ok: JSON.parse(JSON.stringify(r, (_k, v: unknown) => {
      const b = v as { type?: string; data?: number[] };
      return b !== null && typeof b === "object" && b.type === "Buffer" && Array.isArray(b.data)
        ? { hex: Buffer.from(b.data).toString("hex") } : v;
    })) };
  } catch (e) {
    return { err: (e as Error).name, msg: (e as Error).message };
  }
}

const PY = `
import json, socket, sys
def norm(x):
    if isinstance(x, (bytes, bytearray)): return {"hex": bytes(x).hex()}
    if isinstance(x, (tuple, list)): return [norm(i) for i in x]
    if isinstance(x, bool): return x
    if isinstance(x, int): return int(x)
    return x
out = []
for name, *args in json.load(sys.stdin):
    args = [bytes.fromhex(a["hex"]) if isinstance(a, dict) else a for a in args]
    try:
        out.append({"ok": norm(getattr(socket, name)(*args))})
    except Exception as e:
        out.append({"err": type(e).__name__, "msg": str(e)})
json.dump(out, sys.stdout)
`;

describe("socket module functions", () => {
  describe("as literals", () => {
    it("inet_aton, inet_ntop and htons give Python's results and errors", () => {
      expect(socket.inet_aton("127.1")).to.deep.equal(Buffer.from([127, 0, 0, 1]));
      expect(thrown(() => socket.inet_aton("256.1.1.1")).message).to.equal("illegal IP address string passed to inet_aton");
      expect(socket.inet_ntop(AF_INET6, socket.inet_pton(AF_INET6, "2001:db8:0:0:1:0:0:1"))).to.equal("2001:db8::1:0:0:1");
      expect(socket.htons(0x1234)).to.equal(0x3412);
      expect(() => socket.ntohs(70000)).to.throw(OverflowError, "ntohs: Python int too large to convert to C 16-bit unsigned integer");
      expect(() => socket.inet_ntop(AF_INET, Buffer.alloc(3))).to.throw(ValueError, "invalid length of packed IP address string");
      expect(socket.has_ipv6).to.equal(true);
    });

    it("gethostbyname and getaddrinfo answer IP literals and hosts-file names synchronously", () => {
      expect(socket.gethostbyname("localhost")).to.equal("127.0.0.1");
      expect(socket.getaddrinfo("127.0.0.1", "http", AF_INET, STREAM)).to.deep.equal([[AF_INET, STREAM, 6, "", ["127.0.0.1", 80]]]);
      const e = thrown(() => socket.getaddrinfo("::1", 80, AF_INET));
      expect(e).to.be.instanceOf(socket.gaierror);
      expect(e.message).to.equal("[Errno -9] Address family for hostname not supported");
    });
  });

  describe("compared live with CPython", () => {
    it(`gives CPython's answer or error for ${CALLS.length} calls`, function () {
      const py = python3_or_skip(this);
      const r = spawnSync(py, ["-c", PY], { input: JSON.stringify(CALLS), encoding: "utf8", timeout: 20000 });
      expect(r.status, r.stderr).to.equal(0);
      const theirs = JSON.parse(r.stdout) as Outcome[];
      const diffs = CALLS.flatMap((c, i) => {
        const a = ours(c);
        return JSON.stringify(a) === JSON.stringify(theirs[i])
          ? [] : [`${JSON.stringify(c)}: ours ${JSON.stringify(a)} python ${JSON.stringify(theirs[i])}`];
      });
      expect(diffs.join("\n"), `${diffs.length} differ`).to.equal("");
    });
  });

  describe("create_server", () => {
    it("binds and listens before it returns, with SO_REUSEADDR; a second bind names the address as Python", () => {
      const s = socket.create_server(["127.0.0.1", 0]);
      try {
        expect(s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)).to.equal(1);
        expect(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)).to.equal(1);
        const addr = s.getsockname() as socket.Inet4Address;
        const e = thrown(() => socket.create_server(addr));
        expect(e.errno).to.equal(EADDRINUSE);
        expect(e.message).to.equal(`[Errno 98] Address already in use (while attempting to bind on address ('127.0.0.1', ${addr[1]}))`);
      } finally {
        s.close();
      }
    });

    it("dualstack_ipv6 needs AF_INET6; AF_INET6 sets IPV6_V6ONLY unless dual-stack", () => {
      expect(() => socket.create_server(["::1", 0], { dualstack_ipv6: true })).to.throw(ValueError, "dualstack_ipv6 requires AF_INET6 family");
      const only = socket.create_server(["::1", 0], { family: AF_INET6 });
      const dual = socket.create_server(["", 0], { family: AF_INET6, dualstack_ipv6: true });
      try {
        expect(only.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)).to.equal(1);
        expect(dual.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)).to.equal(0);
      } finally {
        only.close();
        dual.close();
      }
    });
  });

  describe("create_connection", () => {
    it("returns at once, connecting; the server accepts it and data flows", async () => {
      const srv = socket.create_server(["127.0.0.1", 0]);
      const port = (srv.getsockname() as socket.Inet4Address)[1];
      const c = socket.create_connection(["localhost", port]);
      try {
        const [a] = await accept_one(srv);
        try {
          await wait_for(c, socket.POLLOUT);
          c.sendall(Buffer.from("hello"));
          c.shutdown(socket.SHUT_WR);
          expect((await recv_all(a)).toString()).to.equal("hello");
        } finally {
          a.close();
        }
      } finally {
        c.close();
        srv.close();
      }
    });

    it("create_connection_async waits: connected, or ConnectionRefusedError", async () => {
      const srv = socket.create_server(["127.0.0.1", 0]);
      const addr = srv.getsockname() as socket.Inet4Address;
      try {
        const c = await socket.create_connection_async(["127.0.0.1", addr[1]], 5);
        const [a] = srv.accept();
        expect(c.getpeername()).to.deep.equal(addr);
        expect(c.gettimeout()).to.equal(5);
        c.close();
        a.close();
      } finally {
        srv.close();
      }
      let err: unknown;
      await socket.create_connection_async(["127.0.0.1", addr[1]]).then((s) => s.close(), (e: unknown) => { err = e; });
      expect(err).to.be.instanceOf(ConnectionRefusedError);
    });
  });

  describe("socketpair", () => {
    it("resolves to a connected AF_UNIX pair; bytes flow both ways", async () => {
      const [a, b] = await socket.socketpair();
      try {
        expect(a.family).to.equal(socket.AF_UNIX);
        a.sendall(Buffer.from("ping"));
        await wait_for(b, socket.POLLIN);
        expect(b.recv(10).toString()).to.equal("ping");
        b.sendall(Buffer.from("pong"));
        b.shutdown(socket.SHUT_WR);
        expect((await recv_all(a)).toString()).to.equal("pong");
      } finally {
        a.close();
        b.close();
      }
    });

    it("raises EOPNOTSUPP for AF_INET, as Linux's socketpair", () => {
      const e = thrown(() => socket.socketpair(AF_INET));
      expect(e).to.be.instanceOf(OSError);
      expect(e.errno).to.equal(EOPNOTSUPP);
    });
  });
});
