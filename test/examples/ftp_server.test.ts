// examples/ftp_server: driven by CPython's ftplib in a child process (plain FTP and FTP_TLS), compared with CPython's own test_ftplib server, and fed garbage.
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import * as asyncore from "asyncore-ts/asyncore";
import { FTPServer, type FTPOptions } from "../../examples/ftp_server.js";
import { MemoryStore, resolve_path } from "../../examples/ftp_store.js";
import { drive } from "../helpers/asyncore.js";
import { Child, LineClient, with_timeout } from "../helpers/clients.js";
import { RETR_DATA, by_name, python3_with_test_ftplib_or_skip, ftplib_session, start_dummy_server, type Step } from "../helpers/ftp.js";
import { python3_or_skip } from "../helpers/python.js";
import { SERVER_CERT, SERVER_KEY, TlsLineClient, not_tls } from "../helpers/tls_lines.js";
import { server_context } from "../../examples/ssl_connection.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/**
 * The steps of the "compare" session that the example answers differently from test_ftplib's
 * server on purpose: that one pretends ("257 "pwd ok"", "250 1000" for SIZE, fixed listings),
 * this one answers from its store. Each side's values are checked on their own.
 */
const DIFFERENT_BY_DESIGN = new Set(["pwd", "size", "nlst", "mlsd", "dir"]);

for (const use_poll of [false, true]) {
  describe(`examples/ftp_server (${use_poll ? "poll" : "select"})`, function () {
    this.timeout(60000);
    let map: asyncore.SocketMap;
    let stop: (() => Promise<void>) | null;
    let children: Child[];
    let clients: LineClient[];

    beforeEach(() => {
      map = new Map();
      stop = null;
      children = [];
      clients = [];
    });

    afterEach(async () => {
      for (const c of clients) c.close();
      for (const c of children) c.kill();
      await Promise.all(children.map((c) => c.done));
      if (stop) await stop();
      asyncore.close_all(map);
    });

    /** An IPv4 and an IPv6 server on one store, looping in the background; FTPS with `tls`. */
    function serve(options: FTPOptions = {}, tls = false): [FTPServer, FTPServer] {
      if (tls) options = { ...options, tls_context: server_context(SERVER_CERT, SERVER_KEY) };
      const store = options.store ?? new MemoryStore();
      const v4 = new FTPServer(["127.0.0.1", 0], { ...options, store, map });
      const v6 = new FTPServer(["::1", 0], { ...options, store, map });
      stop ??= drive(map, use_poll);
      return [v4, v6];
    }

    const port_of = (s: FTPServer): number => (s.address as [string, number])[1];

    async function connect(server: FTPServer): Promise<LineClient> {
      const c = await LineClient.connect(server.address as [string, number]);
      clients.push(c);
      expect(await c.read_line()).to.equal("220 welcome");
      return c;
    }

    async function cmd(c: LineClient, line: string | Buffer): Promise<string> {
      c.write(typeof line === "string" ? `${line}\r\n` : line);
      return c.read_line();
    }

    describe("with CPython's ftplib.FTP (plain)", function () {
      let python3: string;
      before(function () {
        python3 = python3_or_skip(this, "ftplib");
      });

      it("stores and retrieves a 5 MiB file byte-exact, in passive and active mode, with REST, APPE and listings", async () => {
        const [v4] = serve();
        const s = by_name(await ftplib_session({ python3, port: port_of(v4), session: "store", tls: false, children }));
        check_store_session(s, false);
        expect(v4.store.used_bytes).to.equal(0);
      });
    });

    describe("beside CPython's test_ftplib server (plain)", function () {
      let python3: string;
      before(function () {
        python3 = python3_with_test_ftplib_or_skip(this);
      });

      it("ftplib gets the same transcript from both, apart from the store's own answers", async () => {
        const store = new MemoryStore();
        store.write("/file", RETR_DATA, 0);
        const [v4, v6] = serve({ store });
        const [dp4, dp6] = await start_dummy_server(python3, false, children);
        const [ours, theirs] = await Promise.all([
          ftplib_session({ python3, port: port_of(v4), port6: port_of(v6), session: "compare", tls: false, children }),
          ftplib_session({ python3, port: dp4, port6: dp6, session: "compare", tls: false, children }),
        ]);
        compare_transcripts(ours, theirs);
        // What the session stored: "a" renamed to "c" and deleted, "b" from storlines, "a" again (active).
        expect(store.list("/")).to.deep.equal(["a", "b", "file"]);
        expect(store.read("/b").toString()).to.equal("line 1\r\nline 2\r\n");
        expect(store.read("/a")).to.deep.equal(Buffer.alloc(5000, "x"));
      });
    });

    describe("with CPython's ftplib.FTP_TLS (AUTH TLS, PROT P, CCC, PROT C)", function () {
      let python3: string;
      before(function () {
        python3 = python3_or_skip(this, "ftplib", "ssl");
      });

      it("the same session over TLS: 5 MiB both ways on PROT P data channels, then CCC and plain commands", async () => {
        const [v4] = serve({}, true);
        const s = by_name(await ftplib_session({ python3, port: port_of(v4), session: "store", tls: true, children }));
        check_store_session(s, true);
        expect(s["ccc"]).to.equal("220 Reverting back to clear-text");
        const after = s["stor after ccc"] as [string, number, string];
        expect(after.slice(0, 2)).to.deep.equal(["226 transfer complete", 300000]);
        expect(s["prot_c"]).to.equal("200 Protection set to Clear");
        expect(s["retr clear after ccc"]).to.deep.equal(after);
        expect(v4.store.read("/after.bin").length).to.equal(300000);
      });
    });

    describe("beside CPython's test_ftplib server with its SSL mixin (DummyTLS_FTPServer)", function () {
      let python3: string;
      before(function () {
        python3 = python3_with_test_ftplib_or_skip(this);
      });

      it("ftplib.FTP_TLS gets the same transcript from both, apart from the store's own answers", async () => {
        const store = new MemoryStore();
        store.write("/file", RETR_DATA, 0);
        const [v4, v6] = serve({ store }, true);
        const [dp4, dp6] = await start_dummy_server(python3, true, children);
        const [ours, theirs] = await Promise.all([
          ftplib_session({ python3, port: port_of(v4), port6: port_of(v6), session: "compare", tls: true, children }),
          ftplib_session({ python3, port: dp4, port6: dp6, session: "compare", tls: true, children }),
        ]);
        compare_transcripts(ours, theirs);
        const o = by_name(ours);
        expect([o["auth"], o["auth twice"], o["control is TLS"], o["ccc"], o["control is TLS after ccc"]]).to.deep.equal([
          "234 AUTH TLS successful", "ValueError: Already using TLS", true, "220 Reverting back to clear-text", false,
        ]);
      });
    });

    describe("FTPS replies to a raw client", () => {
      let tls_clients: TlsLineClient[];
      beforeEach(() => {
        tls_clients = [];
      });
      afterEach(() => {
        for (const c of tls_clients) c.close();
      });

      async function tls_connect(server: FTPServer): Promise<TlsLineClient> {
        const [host, port] = server.address as [string, number];
        const c = await TlsLineClient.connect(host, port);
        tls_clients.push(c);
        expect(await c.read_line()).to.equal("220 welcome");
        return c;
      }

      it("AUTH without a certificate is 502; PBSZ, PROT P and CCC need TLS first (503)", async () => {
        const [plain] = serve();
        const c = await connect(plain);
        expect(await cmd(c, "AUTH TLS")).to.equal("502 AUTH not available: no certificate configured.");
        const [v4] = serve({}, true);
        const d = await connect(v4);
        expect(await cmd(d, "PBSZ 0")).to.equal("503 PBSZ not allowed on insecure control connection.");
        expect(await cmd(d, "PROT P")).to.equal("503 PROT P not allowed on insecure control connection.");
        expect(await cmd(d, "PROT C")).to.equal("200 Protection set to Clear");
        expect(await cmd(d, "CCC")).to.equal("503 CCC without TLS.");
        expect(await cmd(d, "AUTH KERBEROS")).to.equal("504 AUTH type not supported.");
        expect(await cmd(d, "NOOP")).to.equal("200 noop ok");
      });

      it("AUTH TLS switches after its reply, drops commands pipelined behind it, refuses a second AUTH", async () => {
        const [v4] = serve({}, true);
        const c = await tls_connect(v4);
        c.sock.write("AUTH TLS\r\nDELE x\r\nNOOP\r\n");
        expect(await c.read_line()).to.equal("234 AUTH TLS successful");
        const t = await c.starttls();
        expect(t.authorized).to.equal(true);
        expect(await c.cmd("PBSZ 0")).to.deep.equal(["200 PBSZ=0 successful."]);
        expect(await c.cmd("AUTH TLS")).to.deep.equal(["503 Already using TLS."]);
        expect(await c.cmd("PROT P")).to.deep.equal(["200 Protection set to Private"]);
        c.send_line("FEAT");
        const feat = [await c.read_line()];
        while (!feat[feat.length - 1]!.startsWith("211 ")) feat.push(await c.read_line());
        expect(feat).to.deep.equal([
          "211-Features:", " AUTH TLS", " AUTH SSL", " PBSZ", " PROT", " EPRT", " EPSV", " MLSD type*;size*;modify*;perm*;", " REST STREAM", " SIZE", " UTF8", "211 End",
        ]);
        expect(c.extra_plain).to.equal("");
        expect(c.lines).to.deep.equal([]);
      });

      it("PROT P: a data connection that does not speak TLS fails the transfer (426), logged; the session goes on", async () => {
        const log: string[] = [];
        const [v4] = serve({ log: (l) => log.push(l) }, true);
        v4.store.write("/f", Buffer.alloc(100000, 1), 0);
        const c = await tls_connect(v4);
        expect(await c.cmd("AUTH TLS")).to.deep.equal(["234 AUTH TLS successful"]);
        await c.starttls();
        expect(await c.cmd("PBSZ 0")).to.deep.equal(["200 PBSZ=0 successful."]);
        expect(await c.cmd("PROT P")).to.deep.equal(["200 Protection set to Private"]);
        const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec((await c.cmd("PASV"))[0]!)!;
        const data = net.connect({ host: "127.0.0.1", port: Number(m[5]) * 256 + Number(m[6]) });
        data.on("error", () => undefined);
        expect(await c.cmd("RETR f")).to.deep.equal(["125 retr ok"]);
        data.end("this is not a ClientHello\r\n");
        expect(await c.read_line(10000)).to.equal("426 Connection closed; transfer aborted.");
        expect(await c.cmd("NOOP")).to.deep.equal(["200 noop ok"]);
        expect(log.some((l) => / data connection TLS handshake failed: /.test(l)), log.join("\n")).to.equal(true);
      });

      it("a client that fails the handshake after AUTH TLS (garbage, plain text, hang-up) is logged and closed; others go on", async () => {
        const log: string[] = [];
        const [v4] = serve({ log: (l) => log.push(l) }, true);
        const other = await connect(v4);
        for (const how of ["garbage", "plain", "hang up"]) {
          const c = await tls_connect(v4);
          expect(await c.cmd("AUTH TLS")).to.deep.equal(["234 AUTH TLS successful"]);
          if (how === "garbage") c.plain.write(not_tls(5000));
          else if (how === "plain") c.plain.write("USER me\r\nPASS x\r\n");
          else c.plain.end();
          await c.wait_end(10000);
          expect(c.lines, how).to.deep.equal([]);
        }
        expect(await cmd(other, "NOOP")).to.equal("200 noop ok");
        expect(log.filter((l) => / TLS handshake failed: /.test(l)).length, log.join("\n")).to.be.within(2, 3);
      });
    });

    describe("answers a raw client", () => {
      it("every command's reply, and 425 for a transfer without PASV/PORT", async () => {
        const [v4] = serve();
        const c = await connect(v4);
        expect(await cmd(c, "USER me")).to.equal("331 username ok");
        expect(await cmd(c, "PASS secret")).to.equal("230 password ok");
        expect(await cmd(c, "ACCT x")).to.equal("230 acct ok");
        expect(await cmd(c, "PWD")).to.equal('257 "/"');
        expect(await cmd(c, 'MKD a"b')).to.equal('257 "/a""b"');
        expect(await cmd(c, 'CWD a"b')).to.equal("250 cwd ok");
        expect(await cmd(c, "PWD")).to.equal('257 "/a""b"');
        expect(await cmd(c, "CDUP")).to.equal("250 cwd ok");
        expect(await cmd(c, 'RMD /a"b')).to.equal("250 rmd ok");
        expect(await cmd(c, "TYPE I")).to.equal("200 type ok");
        expect(await cmd(c, "TYPE E")).to.equal("504 Unsupported type.");
        expect(await cmd(c, "NOOP")).to.equal("200 noop ok");
        expect(await cmd(c, "RETR x")).to.equal("550 No such file.");
        expect(await cmd(c, "LIST")).to.equal("425 Use PORT or PASV first.");
        expect(await cmd(c, "STOR x")).to.equal("425 Use PORT or PASV first.");
        expect(await cmd(c, "REST -1")).to.equal("501 Invalid REST offset.");
        expect(await cmd(c, "REST 10")).to.equal("350 rest ok");
        expect(await cmd(c, "RNTO y")).to.equal("503 Bad sequence of commands: RNFR first.");
        expect(await cmd(c, "RNFR nothing")).to.equal("550 No such file or directory.");
        expect(await cmd(c, "DELE nothing")).to.equal("550 No such file.");
        expect(await cmd(c, "SIZE nothing")).to.equal("550 No such file.");
        expect(await cmd(c, "ABOR")).to.equal("226 abor ok");
        expect(await cmd(c, "PORT 1,2,3")).to.equal("501 Syntax: PORT h1,h2,h3,h4,p1,p2");
        expect(await cmd(c, "PORT 10,0,0,1,4,1")).to.equal("501 Data connection to another host refused.");
        expect(await cmd(c, "EPRT |3|::1|5000|")).to.equal("522 Network protocol not supported, use (1,2)");
        expect(await cmd(c, "EPRT garbage")).to.equal("501 Syntax: EPRT |af|address|port|");
        expect(await cmd(c, "EPSV 2")).to.equal("522 Network protocol not supported, use (1,2)");
        expect(await cmd(c, "FEAT")).to.equal("211-Features:");
        expect(await c.read_until((l) => l.startsWith("211 "))).to.equal("211 End");
        expect(await cmd(c, "SITE x")).to.equal('550 command "site" not understood.');
        expect(await cmd(c, "QUIT")).to.equal("221 quit ok");
        await c.wait_end();
      });

      it("425 when PORT names a port nobody listens on, and the session goes on", async () => {
        const [v4] = serve();
        const closed = net.createServer();
        await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
        const port = (closed.address() as net.AddressInfo).port;
        await new Promise<void>((r) => closed.close(() => r()));
        const c = await connect(v4);
        expect(await cmd(c, `PORT 127,0,0,1,${port >> 8},${port & 255}`)).to.equal("425 Can't open data connection.");
        expect(await cmd(c, "NOOP")).to.equal("200 noop ok");
      });

      it("survives garbage: invalid UTF-8, over-long lines, binary noise, and keeps serving", async () => {
        const [v4] = serve({ max_line: 1024 });
        const c = await connect(v4);
        expect(await cmd(c, Buffer.from([0xff, 0xfe, 0x41, 0x0d, 0x0a]))).to.equal("501 Command is not valid UTF-8.");
        c.write(`NOOP ${"x".repeat(5000)}\r\n`);
        expect(await c.read_line()).to.equal("500 Command line too long.");
        // The rest of that read is dropped; a part of the line read later is one more (unknown) command.
        expect(await cmd(c, "NOOP")).to.match(/^550 command "x+" not understood\.$|^200 noop ok$/);
        expect(await cmd(c, "NOOP")).to.be.oneOf(["200 noop ok"]);
        // Binary noise with a line break every 500 bytes: each line is answered (501 or 550), none crashes.
        const noise = randomBytes(20000);
        for (let i = 499; i < noise.length; i += 500) noise[i] = 0x0d;
        c.write(noise);
        c.write("\r\nNOOP\r\n");
        await c.read_until((l) => l === "200 noop ok", 10000);
        c.close();
        const d = await connect(v4);
        expect(await cmd(d, "NOOP")).to.equal("200 noop ok");
      });

      it("STOR beyond the store's byte limit is answered 552 and stores nothing", async () => {
        const [v4] = serve({ store: new MemoryStore({ max_bytes: 100000 }) });
        const c = await connect(v4);
        const pasv = await cmd(c, "PASV");
        const m = /^227 entering passive mode \(127,0,0,1,(\d+),(\d+)\)$/.exec(pasv);
        expect(m, pasv).to.not.equal(null);
        const data = net.connect({ host: "127.0.0.1", port: Number(m![1]) * 256 + Number(m![2]) });
        data.on("error", () => undefined);
        expect(await cmd(c, "STOR big")).to.equal("125 stor ok");
        data.end(Buffer.alloc(200000, 7));
        expect(await c.read_line(10000)).to.equal("552 Exceeded storage allocation.");
        expect(await cmd(c, "SIZE big")).to.equal("550 No such file.");
        expect(v4.store.used_bytes).to.equal(0);
      });

      it("refuses a data connection from another address than the client's", async () => {
        const [v4] = serve();
        v4.store.write("/f", Buffer.from("secret"), 0);
        const c = await connect(v4);
        const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(await cmd(c, "PASV"))!;
        const port = Number(m[5]) * 256 + Number(m[6]);
        // 127.0.0.2 is loopback too on Linux, but not the control connection's peer.
        const thief = await new Promise<Buffer>((resolve) => {
          const parts: Buffer[] = [];
          const s = net.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
          s.on("data", (d: Buffer) => parts.push(d));
          s.on("error", () => resolve(Buffer.concat(parts)));
          s.on("close", () => resolve(Buffer.concat(parts)));
        });
        expect(thief.length).to.equal(0);
        const data = net.connect({ host: "127.0.0.1", port });
        const got: Buffer[] = [];
        data.on("data", (d: Buffer) => got.push(d));
        const ended = new Promise((r) => data.on("end", r));
        expect(await cmd(c, "RETR f")).to.equal("125 retr ok");
        await with_timeout(ended, 5000, "the data connection to end");
        expect(Buffer.concat(got).toString()).to.equal("secret");
        expect(await c.read_line()).to.equal("226 transfer complete");
      });
    });
  });
}

/** What the "store" session must have seen (same for plain and TLS, apart from the TLS steps). */
function check_store_session(s: Record<string, unknown>, tls: boolean): void {
  const big = s["stor big"] as [string, number, string];
  expect(big[0]).to.equal("226 transfer complete");
  expect(big[1]).to.equal(5 * 1024 * 1024 + 12345);
  expect(s["retr big"]).to.deep.equal(big);
  expect(s["size big"]).to.equal(big[1]);
  expect((s["retr big rest"] as unknown[]).slice(0, 2)).to.deep.equal(["226 transfer complete", 12345]);
  expect(s["size after rest"]).to.equal(1004);
  expect((s["retr after rest"] as unknown[])[1]).to.equal(1004);
  expect(s["active retr big"]).to.deep.equal(s["retr after rest"]);
  expect((s["active stor"] as unknown[])[0]).to.equal("226 transfer complete");
  expect(s["retrlines"]).to.deep.equal(["226 transfer complete", 3, sha(Buffer.from("one\ntwo\nthree"))]);
  expect(s["retr empty"]).to.deep.equal(["226 transfer complete", 0, sha(Buffer.alloc(0))]);
  expect(s["pwd"]).to.equal("/");
  expect(s["mkd"]).to.equal("/dir \u00e9");
  expect(s["pwd in dir"]).to.equal("/dir \u00e9");
  expect(s["nlst"]).to.deep.equal(["big.bin", "empty", "small.txt"]);
  expect(s["mlsd"]).to.deep.equal([["big.bin", "file", "1004"], ["empty", "file", "0"], ["small.txt", "file", "17"]]);
  expect(s["dir"]).to.deep.equal(["-rw-r--r-- 1004 big.bin", "-rw-r--r-- 0 empty", "-rw-r--r-- 17 small.txt"]);
  expect(s["active nlst"]).to.deep.equal(["active.bin", "big.bin", "empty", "small.txt"]);
  expect(s["retr without pasv"]).to.equal("error_temp: 425 Use PORT or PASV first.");
  expect(s["retr missing"]).to.equal("error_perm: 550 No such file.");
  expect(s["cwd missing"]).to.equal("error_perm: 550 No such directory.");
  expect(s["rnto without rnfr"]).to.equal("error_perm: 503 Bad sequence of commands: RNFR first.");
  expect(s["rmd not empty"]).to.equal("error_perm: 550 Directory not empty.");
  expect(s["rmd"]).to.equal("250 rmd ok");
  expect(s["nlst root"]).to.deep.equal([]);
  if (tls) expect(s["prot_p"]).to.equal("200 Protection set to Private");
  expect(s["quit"]).to.equal("221 quit ok");
  expect(resolve_path("/a", "../../b/./c/")).to.equal("/b/c");
}

/** The two "compare" transcripts: equal step by step, except DIFFERENT_BY_DESIGN, checked one by one. */
function compare_transcripts(ours: Step[], theirs: Step[]): void {
  expect(ours.map(([n]) => n)).to.deep.equal(theirs.map(([n]) => n));
  const same = (steps: Step[]): Step[] => steps.filter(([n]) => !DIFFERENT_BY_DESIGN.has(n));
  expect(same(ours)).to.deep.equal(same(theirs));
  const o = by_name(ours);
  const t = by_name(theirs);
  expect([t["pwd"], t["size"], t["nlst"], t["dir"]]).to.deep.equal(["pwd ok", null, ["foo", "bar", " non-ascii char \u00ae"], 3]);
  expect((t["mlsd"] as string[]).length).to.equal(17);
  expect([o["pwd"], o["size"], o["nlst"], o["mlsd"], o["dir"]]).to.deep.equal(["/", RETR_DATA.length, ["b", "file"], ["b", "file"], 2]);
  expect(o["retrbinary"]).to.deep.equal(["226 transfer complete", RETR_DATA.length, sha(RETR_DATA)]);
}

describe("examples/ftp_server run directly (npm run ftp -- 0 --tls-cert F --tls-key F)", function () {
  this.timeout(60000);
  const script = fileURLToPath(new URL("../../examples/ftp_server.js", import.meta.url));
  let children: Child[] = [];
  afterEach(async () => {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.done));
    children = [];
  });

  for (const [label, args, tls] of [
    ["plain, select loop", [], false],
    ["FTPS, poll loop", ["--tls-cert", SERVER_CERT, "--tls-key", SERVER_KEY, "--poll"], true],
  ] as const) {
    it(`prints its address, logs each command, and serves ftplib (${label})`, async function () {
      const python3 = python3_or_skip(this, "ftplib", "ssl");
      const server = new Child(process.execPath, [script, "0", ...args]);
      children.push(server);
      const out = await server.wait_stdout((s) => /server on 127\.0\.0\.1:\d+\n/.test(s), 10000, "the address");
      expect(out).to.match(tls ? /^FTPS \(explicit AUTH TLS\) server on / : /^FTP server on /);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      const s = by_name(await ftplib_session({ python3, port, session: "store", tls, children }));
      check_store_session(s, tls);
      expect(server.stdout).to.match(/127\.0\.0\.1:\d+ RETR big\.bin\n/);
      expect(server.stdout).to.match(/127\.0\.0\.1:\d+ PASS \*\*\*\*\n/);
    });
  }

  it("a bad option is a usage error (exit status 2)", async () => {
    const c = new Child(process.execPath, [script, "--tls-cert", SERVER_CERT]);
    children.push(c);
    const r = await with_timeout(c.done, 10000, "exit");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("usage: node dist/examples/ftp_server.js [port] [--poll] [--tls-cert FILE --tls-key FILE]");
    expect(r.stderr).to.contain("--tls-cert and --tls-key go together");
  });
});
