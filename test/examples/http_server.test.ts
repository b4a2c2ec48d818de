// examples/http_server: answers fetch, node:http and curl; 400/411/413/431/501 on bad input; never crashes.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { start, type http_server, type ServerOptions } from "../../examples/http_server.js";
import { prng, rand_int } from "../helpers/chat.js";
import { drive, within } from "../helpers/asyncore.js";
import { Child } from "../helpers/clients.js";
import { alive, free_port, pids_printed, retry_refused } from "../helpers/workers.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const MiB = 1 << 20;

/** Send raw bytes, read until the server closes; bounded. */
function raw_exchange(port: number, data: Buffer, hang_up = false): Promise<string> {
  return within(
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
      s.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? resolve(Buffer.concat(chunks).toString("latin1")) : reject(e)));
      s.on("data", (d: Buffer) => chunks.push(d));
      s.on("end", () => {
        s.end();
        resolve(Buffer.concat(chunks).toString("latin1"));
      });
      s.write(data);
      if (hang_up) s.end();
    }),
    5000,
    "raw exchange",
  );
}

function status_of(response: string): number {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(response);
  return m ? Number(m[1]) : 0;
}

for (const use_poll of [false, true]) {
  describe(`examples/http_server (${use_poll ? "poll" : "select"})`, function () {
    this.timeout(20000);
    let map: asyncore.SocketMap;
    let server: http_server;
    let stop: () => Promise<void>;
    let base: string;
    let port: number;

    function boot(options: ServerOptions = {}): void {
      map = new Map();
      server = start("127.0.0.1", 0, { ...options, map });
      port = (server.address as [string, number])[1];
      base = server.url;
      stop = drive(map, use_poll);
    }

    beforeEach(() => boot({ max_body: 4 * MiB }));

    afterEach(async () => {
      await stop();
      asyncore.close_all(map);
    });

    it("start() binds port 0 and returns the bound address", () => {
      expect(port).to.be.greaterThan(0);
      expect(base).to.equal(`http://127.0.0.1:${port}/`);
    });

    it("start({ host, port, map }) works too", async () => {
      const other = start({ host: "127.0.0.1", port: 0, map });
      const [host, p] = other.address as [string, number];
      expect(host).to.equal("127.0.0.1");
      expect(p).to.be.greaterThan(0).and.not.equal(port);
      const r = await within(fetch(`${other.url}second`), 5000, "fetch the second server");
      expect((await r.json()).path).to.equal("/second");
    });

    it("answers GET from fetch with a proper HTTP/1.1 response", async () => {
      const r = await within(fetch(`${base}hello?x=1`), 5000, "fetch GET");
      expect(r.status).to.equal(200);
      expect(r.headers.get("connection")).to.equal("close");
      const text = await r.text();
      expect(Number(r.headers.get("content-length"))).to.equal(Buffer.byteLength(text));
      expect(JSON.parse(text)).to.deep.equal({ method: "GET", path: "/hello?x=1", length: 0, sha256: sha(Buffer.alloc(0)) });
    });

    it("answers a POST of 1 MiB from fetch (body read with the numeric terminator)", async () => {
      const body = randomBytes(MiB);
      const r = await within(fetch(`${base}upload`, { method: "POST", body }), 10000, "fetch POST");
      expect(r.status).to.equal(200);
      expect(await r.json()).to.deep.equal({ method: "POST", path: "/upload", length: MiB, sha256: sha(body) });
    });

    it("answers node:http GET and a 1 MiB POST", async () => {
      const request = (method: string, body?: Buffer): Promise<[number, string]> =>
        within(
          new Promise((resolve, reject) => {
            const req = http.request({ host: "127.0.0.1", port, path: "/n", method, agent: false }, (res) => {
              const parts: Buffer[] = [];
              res.on("data", (d: Buffer) => parts.push(d));
              res.on("end", () => resolve([res.statusCode ?? 0, Buffer.concat(parts).toString()]));
              res.on("error", reject);
            });
            req.on("error", reject);
            req.end(body);
          }),
          10000,
          `http ${method}`,
        );
      const [s1, t1] = await request("GET");
      expect(s1).to.equal(200);
      expect(JSON.parse(t1).method).to.equal("GET");
      const body = randomBytes(MiB);
      const [s2, t2] = await request("POST", body);
      expect(s2).to.equal(200);
      expect(JSON.parse(t2)).to.include({ length: MiB, sha256: sha(body) });
    });

    it("serves 100 concurrent clients", async () => {
      const all = Array.from({ length: 100 }, async (_, i) => {
        const r = await fetch(`${base}c/${i}`, { method: i % 2 ? "POST" : "GET", body: i % 2 ? `body ${i}` : undefined });
        return [r.status, await r.json()] as const;
      });
      const results = await within(Promise.all(all), 15000, "100 concurrent fetches");
      results.forEach(([status, json], i) => {
        expect(status).to.equal(200);
        expect(json.path).to.equal(`/c/${i}`);
        expect(json.length).to.equal(i % 2 ? Buffer.byteLength(`body ${i}`) : 0);
      });
    });

    it("answers HEAD with headers only", async () => {
      const r = await within(fetch(`${base}h`, { method: "HEAD" }), 5000, "HEAD");
      expect(r.status).to.equal(200);
      expect(Number(r.headers.get("content-length"))).to.be.greaterThan(0);
      expect(await r.text()).to.equal("");
    });

    it("answers 400 to a malformed request line", async () => {
      for (const bad of ["garbage\r\n\r\n", "GET\r\n\r\n", "GET /  HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / FTP/1.0\r\n\r\n", "get / HTTP/1.1 extra\r\n\r\n"]) {
        const res = await raw_exchange(port, Buffer.from(bad, "latin1"));
        expect(status_of(res), JSON.stringify(bad)).to.equal(400);
        expect(res).to.match(/\r\nConnection: close\r\n/);
      }
    });

    it("answers 400 to malformed headers and Content-Length", async () => {
      for (const bad of [
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: x\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      ]) {
        expect(status_of(await raw_exchange(port, Buffer.from(bad, "latin1"))), JSON.stringify(bad)).to.equal(400);
      }
    });

    it("answers 411 to a POST without Content-Length, 501 to other methods and chunked bodies", async () => {
      expect(status_of(await raw_exchange(port, Buffer.from("POST / HTTP/1.1\r\n\r\n")))).to.equal(411);
      expect(status_of(await raw_exchange(port, Buffer.from("DELETE / HTTP/1.1\r\n\r\n")))).to.equal(501);
      expect(status_of(await raw_exchange(port, Buffer.from("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")))).to.equal(501);
    });

    it("answers a POST with Content-Length: 0 at once", async () => {
      const res = await raw_exchange(port, Buffer.from("POST /z HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
      expect(status_of(res)).to.equal(200);
      expect(res).to.include('"length":0');
    });

    it("answers 413 to a body over the configured limit, without reading it", async () => {
      await stop();
      asyncore.close_all(map);
      boot({ max_body: 1000 });
      const res = await raw_exchange(port, Buffer.from("POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(500)));
      expect(status_of(res)).to.equal(413);
      const r = await within(fetch(base, { method: "POST", body: Buffer.alloc(1000, 1) }), 5000, "at the limit");
      expect(r.status).to.equal(200);
    });

    it("answers 431 to a header section over max_header (ac_collect_limit)", async () => {
      await stop();
      asyncore.close_all(map);
      boot({ max_header: 1024 });
      const res = await raw_exchange(port, Buffer.from("GET / HTTP/1.1\r\nX-Big: " + "a".repeat(5000) + "\r\n\r\n"));
      expect(status_of(res)).to.equal(431);
    });

    it("survives seeded random garbage and keeps serving", async () => {
      const rnd = prng(8080);
      for (let i = 0; i < 40; i++) {
        const n = rand_int(rnd, 1, 3000);
        const junk = Buffer.alloc(n);
        for (let k = 0; k < n; k++) junk[k] = rand_int(rnd, 0, 255);
        if (i % 3 === 0) junk.write("\r\n\r\n", rand_int(rnd, 0, n - 1), "latin1");
        const res = await raw_exchange(port, junk, true);
        // Either an HTTP error answer, or (no complete header section yet) nothing: we hung up.
        if (res !== "") expect(status_of(res)).to.be.within(400, 599);
        else expect(junk.includes(Buffer.from("\r\n\r\n"))).to.equal(false);
      }
      const r = await within(fetch(`${base}still-alive`), 5000, "GET after garbage");
      expect(r.status).to.equal(200);
    });
  });
}

describe("examples/http_server with curl", function () {
  this.timeout(20000);
  const curl = spawnSync("curl", ["--version"], { encoding: "utf8" }).status === 0;
  let map: asyncore.SocketMap;
  let stop: () => Promise<void>;

  afterEach(async () => {
    if (stop) await stop();
    if (map) asyncore.close_all(map);
  });

  it("answers curl GET and a 1 MiB POST", async function () {
    if (!curl) {
      console.log("      (curl is not installed: skipping the curl case)");
      this.skip();
    }
    map = new Map();
    const server = start("127.0.0.1", 0, { map });
    stop = drive(map, false);
    const run = (args: string[], input?: Buffer): Promise<string> =>
      within(
        new Promise((resolve, reject) => {
          const p = spawn("curl", ["-sS", "--max-time", "10", ...args], { stdio: ["pipe", "pipe", "pipe"] });
          let out = "";
          let err = "";
          p.stdout.on("data", (d: Buffer) => (out += d.toString()));
          p.stderr.on("data", (d: Buffer) => (err += d.toString()));
          p.on("error", reject);
          p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`curl exited ${code}: ${err}`))));
          p.stdin.end(input);
        }),
        15000,
        "curl",
      );
    const got = JSON.parse(await run([`${server.url}curl`]));
    expect(got).to.include({ method: "GET", path: "/curl" });
    const body = randomBytes(MiB);
    const posted = JSON.parse(await run(["--data-binary", "@-", "-H", "Content-Type: application/octet-stream", `${server.url}up`], body));
    expect(posted).to.include({ method: "POST", length: MiB, sha256: sha(body) });
  });
});

describe("examples/http_server run directly", function () {
  this.timeout(20000);
  it("prints its URL and serves (node dist/examples/http_server.js 0)", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = join(here, "..", "..", "examples", "http_server.js");
    const child = spawn(process.execPath, [script, "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await within(
        new Promise<string>((resolve, reject) => {
          let out = "";
          child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /serving on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
            if (m) resolve(m[1]!);
          });
          child.on("error", reject);
          child.on("exit", (code) => reject(new Error(`exited early with ${code}`)));
        }),
        10000,
        "server URL on stdout",
      );
      const r = await within(fetch(`${url}direct`), 5000, "fetch from the child");
      expect(r.status).to.equal(200);
      expect((await r.json()).path).to.equal("/direct");
    } finally {
      child.kill();
    }
  });
});

describe("examples/http_server run with --workers 2", function () {
  this.timeout(20000);
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "http_server.js");
  let child: Child | null = null;
  afterEach(async () => {
    child?.kill();
    await child?.done;
    child = null;
  });

  it("two worker processes serve the port; SIGTERM to the primary stops them all (exit 0)", async () => {
    const port = await free_port();
    child = new Child(process.execPath, [script, String(port), "--workers", "2"]);
    const pids = await pids_printed(child, new RegExp(`^serving on http://127\\.0\\.0\\.1:${port}/ \\(pid (\\d+)\\)$`, "gm"), 2);
    expect(new Set(pids).size).to.equal(2);
    const body = await retry_refused(() => raw_exchange(port, Buffer.from("GET /w HTTP/1.1\r\nHost: x\r\n\r\n")));
    expect(status_of(body)).to.equal(200);
    expect(body).to.contain('"path":"/w"');
    child.proc.kill("SIGTERM");
    const r = await child.done;
    expect([r.code, r.signal]).to.deep.equal([0, null]);
    expect(pids.filter(alive)).to.deep.equal([]);
  });
});
