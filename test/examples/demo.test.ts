// `npm start`'s demo, run as a user would: status page, HTTP server and chat in one map, Ctrl-C stops it.
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { expect } from "chai";
import type { Snapshot } from "../../src/inspect/index.js";
import { Child, LineClient, with_timeout } from "../helpers/clients.js";
import { EventStream } from "../helpers/inspect_client.js";

const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "demo.js");

function url_of(stdout: string, label: string): string {
  const m = new RegExp(`${label}\\s+(http://\\S+)`).exec(stdout);
  if (!m) throw new Error(`no ${label} URL in ${JSON.stringify(stdout)}`);
  return m[1] as string;
}

function addr_of(stdout: string, label: string): [string, number] {
  const m = new RegExp(`${label}\\s+nc (\\S+) (\\d+)`).exec(stdout);
  if (!m) throw new Error(`no ${label} address in ${JSON.stringify(stdout)}`);
  return [m[1] as string, Number(m[2])];
}

interface Status {
  iterations: number;
  channels: Array<{ fd: number; class: string; state: string; readable: boolean; writable: boolean }>;
  trace: string[];
}

describe("the demo (npm start)", () => {
  let child: Child | null = null;

  afterEach(() => {
    child?.proc.kill("SIGKILL");
    child = null;
  });

  it("serves the inspector, the status page, the HTTP server and the chat from one map, and stops on SIGINT", async () => {
    const c = new Child(process.execPath, [script, "--ephemeral"]);
    child = c;
    const out = await c.wait_stdout((s) => s.includes("Ctrl-C stops."), 10000, "the URLs");
    const status_url = url_of(out, "status page");
    const inspector_url = url_of(out, "inspector");
    const http_url = url_of(out, "HTTP server");
    const chat = addr_of(out, "chat");

    const page = await with_timeout(fetch(status_url), 5000, "status page");
    expect(page.status).to.equal(200);
    const html = await page.text();
    expect(html).to.include("<table>");
    expect(html).to.match(/<td>StatusServer<\/td><td>listening<\/td>/);
    expect(html).to.match(/<td>ChatServer<\/td><td>listening<\/td>/);
    expect(html).to.include('http-equiv="refresh"');

    expect(html).to.include(inspector_url);

    const insp = await with_timeout(fetch(inspector_url), 5000, "the inspector's page");
    expect(insp.status).to.equal(200);
    expect(insp.headers.get("content-type")).to.equal("text/html; charset=utf-8");
    expect(await insp.text()).to.match(/^<!doctype html>/i);

    const got = await with_timeout(fetch(http_url), 5000, "HTTP server");
    expect(got.status).to.equal(200);
    await got.arrayBuffer();

    // A page watching: the inspector records while someone watches.
    const watching = await EventStream.open(inspector_url);
    const alice = await LineClient.connect(chat);
    const bob = await LineClient.connect(chat);
    try {
      alice.send_line("alice");
      bob.send_line("bob");
      await bob.read_until((l) => l.includes("alice"));
      alice.send_line("hello from the demo");
      await bob.read_until((l) => l.includes("hello from the demo"));

      const before = (await (await fetch(new URL("/status.json", status_url))).json()) as Status;
      const classes = before.channels.map((ch) => ch.class);
      expect(classes.filter((k) => k === "ChatChannel")).to.have.length(2);
      expect(classes).to.include.members(["StatusServer", "ChatServer"]);
      const listening = before.channels.filter((ch) => ch.state === "listening");
      expect(listening.every((ch) => ch.readable && !ch.writable)).to.equal(true);
      expect(before.trace.some((t) => /ChatChannel/.test(t))).to.equal(true);

      const after = (await (await fetch(new URL("/status.json", status_url))).json()) as Status;
      expect(after.iterations).to.be.greaterThan(before.iterations);

      // The inspector saw the chat: its rows, marked rows for itself, and the iterations that ran the chat.
      const snap = (await (await fetch(new URL("/snapshot", inspector_url))).json()) as Snapshot;
      expect(snap.live).to.equal(true);
      const rows = snap.channels.filter((r) => r.last === null);
      expect(rows.filter((r) => r.cls === "ChatChannel")).to.have.length(2);
      expect(rows.filter((r) => r.inspector).map((r) => r.cls)).to.include("InspectorServer");
      const chat_fds = new Set(rows.filter((r) => r.cls === "ChatChannel").map((r) => r.fd));
      expect(snap.iterations.some((it) => it.cells.some((c) => chat_fds.has(c.fd) && c.did.some((d) => d.kind === "recv")))).to.equal(true);
      await watching.next("iteration");
    } finally {
      watching.close();
      alice.close();
      bob.close();
    }

    c.proc.kill("SIGINT");
    const done = await with_timeout(c.done, 10000, "the demo to stop");
    expect(done.code).to.equal(0);
    expect(done.stdout).to.include("map empty, loop done");
  });
});
