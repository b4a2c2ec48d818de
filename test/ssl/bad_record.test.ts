// ssl: a record the peer's TLS cannot accept after the handshake (a corrupted one, an alert) raises CPython's SSLError from recv(), not SSLEOFError.
import { spawn, spawnSync } from "node:child_process";
import { expect } from "chai";
import * as ssl from "../../src/ssl/index.js";
import type { socket as Socket } from "../../src/socket/index.js";
import { POLLIN } from "../../src/socket/index.js";
import { poll, select } from "../../src/select/index.js";
import { FAMILIES, WAIT_MS, accept_one, listening_socket } from "../helpers/net.js";
import { python3_or_skip } from "../helpers/python.js";
import { CERTS, client_context, drive_handshakes, server_context, socket_pair } from "../helpers/tls.js";

const IPV4 = FAMILIES[0]!;

/** Everything waiting on plain socket `s` now (b'' at its end, empty when nothing waits). */
function take(s: Socket): Buffer {
  const parts: Buffer[] = [];
  for (;;) {
    try {
      const d = s.recv(65536);
      if (d.length === 0) break;
      parts.push(d);
    } catch (e) {
      if ((e as { errno?: number }).errno === 11) break;
      throw e;
    }
  }
  return Buffer.concat(parts);
}

/**
 * A server and a client talking through a relay of two plain pairs, the relay's ends in the
 * test's hands: [server, client, relay end facing the server, relay end facing the client].
 */
async function relayed(sctx: ssl.SSLContext, cctx: ssl.SSLContext): Promise<[ssl.SSLSocket, ssl.SSLSocket, Socket, Socket]> {
  const [a1, to_server] = await socket_pair(IPV4);
  const [to_client, b2] = await socket_pair(IPV4);
  const s = sctx.wrap_socket(a1, { server_side: true, do_handshake_on_connect: false });
  const c = cctx.wrap_socket(b2, { server_hostname: "localhost", do_handshake_on_connect: false });
  return [s, c, to_server, to_client];
}

type Result = { readonly kind: "done" } | { readonly kind: "error"; readonly error: unknown } | { readonly kind: "pending" };

/** One step of `f` on `s`: done, raised (not want-read/write), or pending. */
function attempt(f: () => unknown): Result {
  try {
    f();
    return { kind: "done" };
  } catch (e) {
    if (e instanceof ssl.SSLWantReadError || e instanceof ssl.SSLWantWriteError) return { kind: "pending" };
    return { kind: "error", error: e };
  }
}

/** Relays both ways until each side's `steps` is no longer pending (or the time runs out). */
async function relay_until(
  to_server: Socket,
  to_client: Socket,
  steps: ReadonlyArray<readonly [ssl.SSLSocket, () => unknown]>,
  ms: number = WAIT_MS,
): Promise<Result[]> {
  const out: Result[] = steps.map(() => ({ kind: "pending" }));
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    steps.forEach(([, f], i) => {
      if (out[i]!.kind === "pending") out[i] = attempt(f);
    });
    if (out.every((r) => r.kind !== "pending")) break;
    const up = take(to_client);
    if (up.length > 0) to_server.send(up);
    const down = take(to_server);
    if (down.length > 0) to_client.send(down);
    await select([to_server, to_client, ...steps.map(([s]) => s)], [], [], 0.02);
  }
  return out;
}

function expect_ssl_error(r: Result | undefined, reason: string, text: string, at: number): void {
  expect(r!.kind).to.equal("error");
  const e = (r as { error: ssl.SSLError }).error;
  expect(e.constructor).to.equal(ssl.SSLError);
  expect(e.message).to.equal(`[SSL: ${reason}] ${text} (_ssl.c:${at})`);
  expect([e.errno, e.library, e.reason]).to.deep.equal([ssl.SSL_ERROR_SSL, "SSL", reason]);
}

/** Sends "hello world" from `from`, corrupts byte `at` of its record (negative: from the end) on the way, and passes it on. */
async function corrupt_one(from: ssl.SSLSocket, from_end: Socket, to_end: Socket, at: number): Promise<void> {
  from.send(Buffer.from("hello world"));
  let rec = Buffer.alloc(0);
  const until = performance.now() + WAIT_MS;
  // One TLS 1.3 record: a 5-byte header, the 11 bytes, their type byte and a 16-byte tag.
  while (rec.length < 5 + 11 + 1 + 16 && performance.now() < until) {
    await select([from_end], [], [], 0.05);
    rec = Buffer.concat([rec, take(from_end)]);
  }
  expect(rec.length).to.equal(33);
  rec[at < 0 ? rec.length + at : at]! ^= 1;
  to_end.send(rec);
}

/** The alert OpenSSL sends for each failure, as the peer reports it. */
const ALERT_FOR: Readonly<Record<string, string>> = {
  DECRYPTION_FAILED_OR_BAD_RECORD_MAC: "SSLV3_ALERT_BAD_RECORD_MAC",
  BAD_RECORD_TYPE: "SSLV3_ALERT_UNEXPECTED_MESSAGE",
};

const CORRUPTIONS = [
  ["its last byte (the tag)", -1, "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "decryption failed or bad record mac"],
  ["a byte of its body", 7, "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "decryption failed or bad record mac"],
  ["its type byte", 0, "BAD_RECORD_TYPE", "bad record type"],
] as const;

describe("ssl errors: a corrupted record after the handshake", () => {
  let s: ssl.SSLSocket, c: ssl.SSLSocket, to_server: Socket, to_client: Socket;
  beforeEach(async () => {
    [s, c, to_server, to_client] = await relayed(server_context(), client_context());
    const hs = await relay_until(to_server, to_client, [[s, () => s.do_handshake()], [c, () => c.do_handshake()]]);
    expect(hs.map((r) => r.kind)).to.deep.equal(["done", "done"]);
    // The server's session tickets reach the client (which takes them in recv()).
    await relay_until(to_server, to_client, [[c, () => c.recv(10)]], 100);
  });
  afterEach(() => {
    for (const x of [s, c, to_server, to_client]) x.close();
  });

  for (const [where, at, reason, text] of CORRUPTIONS) {
    it(`server to client, ${where}: the client's recv() raises SSLError ${reason}, as CPython's does, then b''`, async () => {
      await corrupt_one(s, to_server, to_client, at);
      const [r] = await relay_until(to_server, to_client, [[c, () => c.recv(100)]]);
      expect_ssl_error(r, reason, text, 2580);
      expect(c.recv(100)).to.deep.equal(Buffer.alloc(0));
    });

    it(`client to server, ${where}: the server's recv() raises SSLError ${reason}, as CPython's does, then b''; its alert reaches the client`, async () => {
      await corrupt_one(c, to_client, to_server, at);
      const [r] = await relay_until(to_server, to_client, [[s, () => s.recv(100)]]);
      expect_ssl_error(r, reason, text, 2580);
      expect(s.recv(100)).to.deep.equal(Buffer.alloc(0));
      const [alert] = await relay_until(to_server, to_client, [[c, () => c.recv(100)]]);
      expect_ssl_error(alert, ALERT_FOR[reason], ALERT_FOR[reason].toLowerCase().replace(/_/g, " "), 2580);
    });
  }

  it("after it, as CPython's: recv() SSLEOFError without suppress_ragged_eofs, send() and do_handshake() SSLEOFError, unwrap() SHUTDOWN_WHILE_IN_INIT", async () => {
    s.suppress_ragged_eofs = false;
    await corrupt_one(c, to_client, to_server, -1);
    const [r] = await relay_until(to_server, to_client, [[s, () => s.recv(100)]]);
    expect_ssl_error(r, "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "decryption failed or bad record mac", 2580);
    const after = [() => s.recv(100), () => s.send(Buffer.from("x")), () => s.do_handshake(), () => s.unwrap()].map((f) => {
      const e = (attempt(f) as { error: ssl.SSLError }).error;
      return [e.constructor.name, e.errno, e.library, e.reason, e.message];
    });
    expect(after).to.deep.equal([
      ["SSLEOFError", 8, null, null, "EOF occurred in violation of protocol (_ssl.c:2580)"],
      ["SSLEOFError", 8, null, null, "EOF occurred in violation of protocol (_ssl.c:2427)"],
      ["SSLEOFError", 8, null, null, "EOF occurred in violation of protocol (_ssl.c:1006)"],
      ["SSLError", 1, "SSL", "SHUTDOWN_WHILE_IN_INIT", "[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init (_ssl.c:2706)"],
    ]);
  });
});

const PY_CLIENT_NO_CA = String.raw`
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # trusts nothing: the server's certificate fails
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    try:
        ctx.wrap_socket(raw, server_hostname="localhost")
    except ssl.SSLCertVerificationError as e:
        print(e.reason)
`;

describe("ssl errors: an alert from a CPython client during the handshake", function () {
  this.timeout(20000);

  it("a client that does not trust the server's certificate: the server's do_handshake() raises SSLError TLSV1_ALERT_UNKNOWN_CA, as CPython's does", async function () {
    const py = python3_or_skip(this, "ssl");
    const l = listening_socket(IPV4);
    const child = spawn(py, ["-c", PY_CLIENT_NO_CA, String((l.getsockname() as [string, number])[1])], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
    let s: ssl.SSLSocket | null = null;
    try {
      const [a] = await accept_one(l);
      s = server_context().wrap_socket(a, { server_side: true, do_handshake_on_connect: false });
      const [r] = await drive_handshakes([s]);
      expect_ssl_error(r, "TLSV1_ALERT_UNKNOWN_CA", "tlsv1 alert unknown ca", 1006);
      await exited;
      expect(out.trim()).to.equal("CERTIFICATE_VERIFY_FAILED");
    } finally {
      s?.close();
      l.close();
      child.kill();
      await exited;
    }
  });
});

/**
 * CPython's own server, on a socket pair, against a client (an SSLObject) that corrupts byte `at`
 * of its first record after the handshake: what the server's recv() raises, then returns.
 */
const PY_SERVER_BAD_RECORD = String.raw`
import json, select, socket, ssl, sys
certs = sys.argv[1]
def outcome(f):
    try:
        return ["returned", f().hex()]
    except Exception as e:
        return [type(e).__name__, e.errno, getattr(e, "library", None), getattr(e, "reason", None), str(e)]
out = {}
for at in (-1, 7, 0):
    a, b = socket.socketpair()
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(certs + "/server.pem", certs + "/server.key")
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(certs + "/ca.pem")
    s = sctx.wrap_socket(a, server_side=True, do_handshake_on_connect=False)
    s.setblocking(False)
    b.setblocking(False)
    into, out_of = ssl.MemoryBIO(), ssl.MemoryBIO()
    c = cctx.wrap_bio(into, out_of, server_hostname="localhost")
    done = [False, False]
    while not all(done):
        for i, step in enumerate((c.do_handshake, s.do_handshake)):
            if not done[i]:
                try:
                    step()
                    done[i] = True
                except ssl.SSLWantReadError:
                    pass
            b.sendall(out_of.read())
        select.select([b], [], [], 0.05)
        try:
            into.write(b.recv(65536))
        except BlockingIOError:
            pass
    c.write(b"hello world")
    record = bytearray(out_of.read())
    record[at] ^= 1
    b.sendall(record)
    select.select([s], [], [], 5)
    out[str(at)] = [outcome(lambda: s.recv(100)), outcome(lambda: s.recv(100))]
    s.close()
    b.close()
print(json.dumps(out))
`;

type Seen = readonly unknown[];

function seen(f: () => Buffer): Seen {
  try {
    return ["returned", f().toString("hex")];
  } catch (e) {
    const x = e as ssl.SSLError;
    return [x.constructor.name, x.errno, x.library, x.reason, x.message];
  }
}

/** Waits until `s` is readable, as a program's loop would: with select() or with a poll object. */
async function readable(s: ssl.SSLSocket, how: "select" | "poll"): Promise<boolean> {
  if (how === "select") return (await select([s], [], [], WAIT_MS / 1000))[0].length === 1;
  const p = new poll();
  p.register(s, POLLIN);
  try {
    return (await p.poll(WAIT_MS)).length === 1;
  } finally {
    p.unregister(s);
  }
}

describe("ssl errors: a corrupted record reaching the server after the handshake, beside CPython's server", function () {
  this.timeout(30000);
  let cpython: Record<string, [Seen, Seen]>;
  before(function () {
    const py = python3_or_skip(this, "ssl");
    const r = spawnSync(py, ["-c", PY_SERVER_BAD_RECORD, CERTS], { encoding: "utf8", timeout: 20000 });
    expect(r.status, r.stderr).to.equal(0);
    cpython = JSON.parse(r.stdout) as Record<string, [Seen, Seen]>;
  });

  for (const how of ["select", "poll"] as const) {
    it(`under ${how}: the server's recv() raises what CPython's raises (class, errno, library, reason, message), then returns what CPython's returns`, async () => {
      const ours: Record<string, [Seen, Seen]> = {};
      for (const at of [-1, 7, 0]) {
        const [s, c, to_server, to_client] = await relayed(server_context(), client_context());
        try {
          const hs = await relay_until(to_server, to_client, [[s, () => s.do_handshake()], [c, () => c.do_handshake()]]);
          expect(hs.map((r) => r.kind)).to.deep.equal(["done", "done"]);
          await relay_until(to_server, to_client, [[c, () => c.recv(10)]], 100);
          await corrupt_one(c, to_client, to_server, at);
          expect(await readable(s, how), "readable once the record came").to.equal(true);
          ours[String(at)] = [seen(() => s.recv(100)), seen(() => s.recv(100))];
        } finally {
          for (const x of [s, c, to_server, to_client]) x.close();
        }
      }
      expect(ours).to.deep.equal(cpython);
      expect(ours["-1"]![0]).to.deep.equal([
        "SSLError", 1, "SSL", "DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
        "[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] decryption failed or bad record mac (_ssl.c:2580)",
      ]);
    });
  }
});
