// examples/http_client: the documentation's HTTP client against a local node:http server.
import { spawn } from "node:child_process";
import * as http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import { HTTPClient, parse_target } from "../../examples/http_client.js";
import { within } from "../helpers/asyncore.js";

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, "..", "..", "examples", "http_client.js");

interface Seen {
  method?: string;
  url?: string;
  version?: string;
  host?: string;
}

async function server_on(host: string, body: Buffer): Promise<{ server: http.Server; port: number; seen: Seen }> {
  const seen: Seen = {};
  const server = http.createServer((req, res) => {
    seen.method = req.method;
    seen.url = req.url;
    seen.version = req.httpVersion;
    seen.host = req.headers.host;
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: (server.address() as { port: number }).port, seen };
}

describe("examples/http_client", () => {
  const map: asyncore.SocketMap = new Map();
  let server: http.Server | null = null;
  afterEach(async () => {
    asyncore.close_all(map, true);
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = null;
    }
  });

  it("keeps the request line and Host header in buffer, and is writable while it is not empty", () => {
    const c = new HTTPClient("127.0.0.1", "/spam?eggs=1", 9, map, () => undefined);
    expect(c.buffer.toString("latin1")).to.equal("GET /spam?eggs=1 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    expect(c.writable()).to.equal(true);
    c.buffer = Buffer.alloc(0);
    expect(c.writable()).to.equal(false);
  });

  for (const host of ["127.0.0.1", "::1"]) {
    for (const use_poll of [false, true]) {
      it(`${host}, ${use_poll ? "poll" : "select"}: prints the whole response, in recv(8192) pieces, then closes`, async () => {
        const body = Buffer.alloc(50_000);
        for (let i = 0; i < body.length; i++) body[i] = 97 + (i % 26);
        const s = await server_on(host, body);
        server = s.server;
        const printed: Buffer[] = [];
        const c = new HTTPClient(host, "/index.html", s.port, map, (d) => printed.push(Buffer.from(d)));
        await within(asyncore.loop({ timeout: 5, use_poll, map }), 5000, "loop ends when the client closes");
        expect(map.size).to.equal(0);
        expect(c.buffer.length).to.equal(0);
        expect(s.seen).to.deep.equal({ method: "GET", url: "/index.html", version: "1.0", host });
        const all = Buffer.concat(printed);
        expect(all.toString("latin1")).to.match(/^HTTP\/1\.1 200 OK\r\n/);
        expect(all.subarray(all.length - body.length)).to.deep.equal(body);
        expect(printed.length).to.be.greaterThan(2);
        for (const p of printed.slice(0, -1)) expect(p.length).to.be.within(1, 8192);
        // At end of stream recv() closes the channel and returns b'', which is printed too.
        expect(printed[printed.length - 1]!.length).to.equal(0);
      });
    }
  }

  it("parses a URL or host [path] from the command line", () => {
    expect(parse_target(["http://127.0.0.1:8080/a/b?c=d"])).to.deep.equal(["127.0.0.1", "/a/b?c=d", 8080]);
    expect(parse_target(["http://[::1]:81/"])).to.deep.equal(["::1", "/", 81]);
    expect(parse_target(["http://example.org"])).to.deep.equal(["example.org", "/", 80]);
    expect(parse_target(["example.org", "/x"])).to.deep.equal(["example.org", "/x", 80]);
  });

  it("run directly, fetches the URL in argv and writes the response to stdout", async () => {
    const s = await server_on("127.0.0.1", Buffer.from("It's just a flesh wound.\n"));
    server = s.server;
    const child = spawn(process.execPath, [script, `http://127.0.0.1:${s.port}/knight`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const code = await within(
      new Promise<number | null>((r) => child.on("exit", (c) => r(c))),
      10000,
      "the client exits",
    ).finally(() => child.kill());
    expect(Buffer.concat(err).toString()).to.equal("");
    expect(code).to.equal(0);
    const text = Buffer.concat(out).toString();
    expect(text).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text.endsWith("\r\n\r\nIt's just a flesh wound.\n")).to.equal(true);
    expect(s.seen.url).to.equal("/knight");
  });
});
