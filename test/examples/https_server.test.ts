// examples/http_server in HTTPS mode: byte-exact answers over TLS, curl and Node's fetch (children, verifying ca.pem), 50 concurrent clients, plain HTTP on the HTTPS port.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as asyncore from "asyncore-ts/asyncore";
import { start, type http_server } from "../../examples/http_server.js";
import { server_context } from "../../examples/ssl_connection.js";
import { drive, within } from "../helpers/asyncore.js";
import { Child, with_timeout } from "../helpers/clients.js";
import { CERTS_DIR, SERVER_CERT, SERVER_KEY, tls_exchange } from "../helpers/tls_lines.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const MiB = 1 << 20;
const CA_FILE = `${CERTS_DIR}ca.pem`;

/** The exact response the example sends for a request whose JSON description is `json`. */
function response(json: object, head_only = false): string {
  const body = `${JSON.stringify(json)}\n`;
  const headers = [
    "HTTP/1.1 200 OK",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "Server: asyncore-ts",
    "",
    "",
  ].join("\r\n");
  return head_only ? headers : headers + body;
}

/** Run a command, resolve with its stdout (as bytes); reject on a non-zero exit. */
function run(cmd: string, args: string[], input?: Buffer, env?: NodeJS.ProcessEnv): Promise<Buffer> {
  return within(
    new Promise<Buffer>((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: env ?? process.env });
      const out: Buffer[] = [];
      let err = "";
      p.stdout.on("data", (d: Buffer) => out.push(d));
      p.stderr.on("data", (d: Buffer) => (err += d.toString()));
      p.on("error", reject);
      p.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
      p.stdin.end(input);
    }),
    30000,
    cmd,
  );
}

// Node's fetch in a child process, trusting the test CA through NODE_EXTRA_CA_CERTS: GET, HEAD,
// a 1 MiB POST, then 50 concurrent requests; prints one JSON object.
const FETCH_CLIENT = String.raw`
const { createHash, randomBytes } = require("node:crypto");
const base = process.argv[1];
const sha = (b) => createHash("sha256").update(b).digest("hex");
(async () => {
  const out = {};
  let r = await fetch(base + "get?q=1");
  out.get = { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
  r = await fetch(base + "head", { method: "HEAD" });
  out.head = { status: r.status, length: r.headers.get("content-length"), body: await r.text() };
  const body = randomBytes(1 << 20);
  r = await fetch(base + "post", { method: "POST", body });
  out.post = { status: r.status, json: await r.json(), sent: sha(body) };
  const all = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const b = Buffer.from("body " + i);
    const res = await fetch(base + "c/" + i, { method: i % 2 ? "POST" : "GET", body: i % 2 ? b : undefined });
    return [res.status, await res.json()];
  }));
  out.concurrent = all;
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e, e.cause); process.exit(1); });
`;

for (const use_poll of [false, true]) {
  describe(`examples/http_server over TLS (${use_poll ? "poll" : "select"})`, function () {
    this.timeout(60000);
    let map: asyncore.SocketMap;
    let server: http_server;
    let stop: () => Promise<void>;
    let port: number;
    let log: string[];

    beforeEach(() => {
      map = new Map();
      log = [];
      server = start("127.0.0.1", 0, { map, max_body: 4 * MiB, tls_context: server_context(SERVER_CERT, SERVER_KEY), log: (l) => log.push(l) });
      port = (server.address as [string, number])[1];
      stop = drive(map, use_poll);
    });

    afterEach(async () => {
      await stop();
      asyncore.close_all(map);
    });

    it("serves https:// and answers GET, HEAD and a 1 MiB POST byte-exact (Node's TLS client)", async () => {
      expect(server.url).to.equal(`https://127.0.0.1:${port}/`);
      const get = await tls_exchange(port, "GET /hello?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
      expect(get.toString("latin1")).to.equal(response({ method: "GET", path: "/hello?x=1", length: 0, sha256: sha(Buffer.alloc(0)) }));
      const head = await tls_exchange(port, "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n");
      expect(head.toString("latin1")).to.equal(response({ method: "HEAD", path: "/h", length: 0, sha256: sha(Buffer.alloc(0)) }, true));
      const body = randomBytes(MiB);
      const post = await tls_exchange(port, Buffer.concat([Buffer.from(`POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: ${MiB}\r\n\r\n`), body]));
      expect(post.toString("latin1")).to.equal(response({ method: "POST", path: "/up", length: MiB, sha256: sha(body) }));
      expect(log.filter((l) => l.includes("TLS"))).to.deep.equal([]);
    });

    it("curl (--cacert ca.pem): GET, HEAD and a 1 MiB POST, byte-exact with headers", async function () {
      if (spawnSync("curl", ["--version"]).status !== 0) {
        console.log("      (skipped: curl is not installed)");
        this.skip();
      }
      const curl = (args: string[], input?: Buffer): Promise<Buffer> => run("curl", ["-sS", "--max-time", "20", "--cacert", CA_FILE, "-i", ...args], input);
      const get = await curl([`${server.url}curl`]);
      expect(get.toString("latin1")).to.equal(response({ method: "GET", path: "/curl", length: 0, sha256: sha(Buffer.alloc(0)) }));
      const head = await curl(["-I", `${server.url}head`]);
      expect(head.toString("latin1")).to.equal(response({ method: "HEAD", path: "/head", length: 0, sha256: sha(Buffer.alloc(0)) }, true));
      const body = randomBytes(MiB);
      const post = await curl(["--data-binary", "@-", "-H", "Content-Type: application/octet-stream", "-H", "Expect:", `${server.url}up`], body);
      expect(post.toString("latin1")).to.equal(response({ method: "POST", path: "/up", length: MiB, sha256: sha(body) }));
      // curl refuses the server without the CA: verification really happens (the server is in this process: no spawnSync).
      const refused = await run("curl", ["-sS", "--max-time", "10", `${server.url}x`]).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(refused).to.match(/certificate/i);
    });

    it("Node's fetch in a child (NODE_EXTRA_CA_CERTS=ca.pem): GET, HEAD, 1 MiB POST, then 50 concurrent clients", async () => {
      const child = new Child(process.execPath, ["-e", FETCH_CLIENT, server.url], { env: { ...process.env, NODE_EXTRA_CA_CERTS: CA_FILE } });
      let r;
      try {
        r = await with_timeout(child.done, 40000, "the fetch client");
      } finally {
        child.kill();
      }
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout);
      expect(out.get.status).to.equal(200);
      expect(out.get.body).to.equal(`${JSON.stringify({ method: "GET", path: "/get?q=1", length: 0, sha256: sha(Buffer.alloc(0)) })}\n`);
      expect(out.get.headers).to.include({ "content-type": "application/json", connection: "close", server: "asyncore-ts" });
      const head_body = `${JSON.stringify({ method: "HEAD", path: "/head", length: 0, sha256: sha(Buffer.alloc(0)) })}\n`;
      expect(out.head).to.deep.equal({ status: 200, length: String(Buffer.byteLength(head_body)), body: "" });
      expect(out.post.status).to.equal(200);
      expect(out.post.json).to.deep.equal({ method: "POST", path: "/post", length: MiB, sha256: out.post.sent });
      expect(out.concurrent).to.have.length(50);
      (out.concurrent as [number, { path: string; length: number; sha256: string }][]).forEach(([status, json], i) => {
        expect(status).to.equal(200);
        expect(json.path).to.equal(`/c/${i}`);
        const b = i % 2 ? Buffer.from(`body ${i}`) : Buffer.alloc(0);
        expect([json.length, json.sha256]).to.deep.equal([b.length, sha(b)]);
      });
      expect(log.filter((l) => l.includes("TLS"))).to.deep.equal([]);
    });

    it("plain HTTP on the HTTPS port: no HTTP answer, logged, the connection closed, and HTTPS goes on", async () => {
      const got = await within(
        new Promise<Buffer>((resolve, reject) => {
          const parts: Buffer[] = [];
          const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
          s.on("data", (d: Buffer) => parts.push(d));
          s.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? resolve(Buffer.concat(parts)) : reject(e)));
          s.on("end", () => {
            s.end();
            resolve(Buffer.concat(parts));
          });
          s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        }),
        10000,
        "the server to close a plain HTTP client",
      );
      expect(got.toString("latin1")).to.not.include("HTTP/1.1");
      await within(
        (async () => {
          while (!log.some((l) => l.includes("TLS error"))) await new Promise((r) => setTimeout(r, 10));
        })(),
        5000,
        "the log line",
      );
      expect(log.filter((l) => l.includes("TLS error"))).to.have.length(1);
      expect(log[0]).to.match(/^127\.0\.0\.1:\d+ TLS error: handshake failed: /);
      const after = await tls_exchange(port, "GET /after HTTP/1.1\r\n\r\n");
      expect(after.toString("latin1")).to.include('"path":"/after"');
    });
  });
}

describe("examples/http_server run directly with --tls-cert/--tls-key", function () {
  this.timeout(20000);
  it("prints its https:// URL and serves it (node dist/examples/http_server.js 0 --tls-cert F --tls-key F --poll)", async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "http_server.js");
    const child = new Child(process.execPath, [script, "0", "--tls-cert", SERVER_CERT, "--tls-key", SERVER_KEY, "--poll"]);
    try {
      const out = await child.wait_stdout((s) => /serving on https:\/\/127\.0\.0\.1:\d+\//.test(s), 10000, "the URL");
      const port = Number(/:(\d+)\//.exec(out)![1]);
      const res = await tls_exchange(port, "GET /direct HTTP/1.1\r\n\r\n");
      expect(res.toString("latin1")).to.include('"path":"/direct"');
    } finally {
      child.kill();
      await child.done;
    }
  });
});
