// ssl: a record the peer's TLS cannot accept after the handshake (a corrupted one, an alert) raises CPython's SSLError from recv(), not SSLEOFError.
import { spawn } from "node:child_process";
import { expect } from "chai";
import * as ssl from "../../src/ssl/index.js";
import type { socket as Socket } from "../../src/socket/index.js";
import { select } from "../../src/select/index.js";
import { FAMILIES, WAIT_MS, accept_one, listening_socket } from "../helpers/net.js";
import { python3_or_skip } from "../helpers/python.js";
import { client_context, drive_handshakes, server_context, socket_pair } from "../helpers/tls.js";

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
    it(`server to client, ${where}: the client's recv() raises SSLError ${reason}, as CPython's does, and again on the next call`, async () => {
      await corrupt_one(s, to_server, to_client, at);
      const [r] = await relay_until(to_server, to_client, [[c, () => c.recv(100)]]);
      expect_ssl_error(r, reason, text, 2580);
      expect(() => c.recv(100)).to.throw(ssl.SSLError, reason);
    });
  }

  // The server's own error stays inside Node (PORTING.md, "ssl": a server's TLS error after the
  // handshake); the alert its OpenSSL sends reaches the client as CPython's would.
  it("client to server, its tag: the server's alert reaches the client, whose recv() raises SSLError SSLV3_ALERT_BAD_RECORD_MAC, as CPython's does", async () => {
    await corrupt_one(c, to_client, to_server, -1);
    const [r] = await relay_until(to_server, to_client, [[c, () => c.recv(100)]]);
    expect_ssl_error(r, "SSLV3_ALERT_BAD_RECORD_MAC", "sslv3 alert bad record mac", 2580);
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
