// examples/chat_server.ts driven by plain Node net clients, with the loop running in-process.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";
import { start, MAX_LINE, type ChatStarted } from "../../examples/chat_server.js";
import { EchoServer } from "../../examples/echo_server.js";
import { LineClient, read_all, with_timeout } from "../helpers/clients.js";
import { loop_fixture } from "../helpers/loop_fixture.js";
import { Child } from "../helpers/clients.js";
import { alive, free_port, pids_printed, retry_refused } from "../helpers/workers.js";

const WELCOME = "Welcome to the chat. What is your nickname?";

describe("examples/chat_server", function () {
  this.timeout(10000);
  const fx = loop_fixture();

  function serve(): ChatStarted {
    const s = start({ host: "127.0.0.1", port: 0, map: fx.map });
    fx.run();
    return s;
  }

  async function connect(s: ChatStarted): Promise<LineClient> {
    const c = await LineClient.connect(s.chat as [string, number]);
    fx.clients.push(c);
    expect(await c.read_line()).to.equal(WELCOME);
    return c;
  }

  /** Connect and take a nickname; every user already in `room` sees the join. */
  async function join(s: ChatStarted, nick: string, room: LineClient[] = []): Promise<LineClient> {
    const c = await connect(s);
    c.send_line(nick);
    expect(await c.read_line()).to.match(new RegExp(`^Hello ${nick}, \\d+ user\\(s\\) here: `));
    for (const other of room) expect(await other.read_line()).to.equal(`* ${nick} has joined`);
    return c;
  }

  it("binds port 0 and returns the real addresses of both listeners", () => {
    const s = serve();
    const chat = s.chat as [string, number];
    const stats = s.stats as [string, number];
    expect(chat[0]).to.equal("127.0.0.1");
    expect(chat[1]).to.be.above(0);
    expect(stats[1]).to.be.above(0);
    expect(stats[1]).to.not.equal(chat[1]);
    expect(fx.map.size).to.equal(2);
  });

  it("greets, takes the first line as nickname and broadcasts to the others only", async () => {
    const s = serve();
    const alice = await connect(s);
    alice.send_line("alice");
    expect(await alice.read_line()).to.equal("Hello alice, 1 user(s) here: alice");
    const bob = await join(s, "bob", [alice]);
    const carol = await connect(s);
    carol.send_line("carol");
    expect(await carol.read_line()).to.equal("Hello carol, 3 user(s) here: alice, bob, carol");
    expect(await alice.read_line()).to.equal("* carol has joined");
    expect(await bob.read_line()).to.equal("* carol has joined");

    alice.send_line("hi all");
    expect(await bob.read_line()).to.equal("<alice> hi all");
    expect(await carol.read_line()).to.equal("<alice> hi all");
    bob.send_line("héllo ✓");
    expect(await alice.read_line()).to.equal("<bob> héllo ✓");
    expect(await carol.read_line()).to.equal("<bob> héllo ✓");
    // The sender got no copy of its own line: its next reply is the /who answer.
    alice.send_line("/who");
    expect(await alice.read_line()).to.equal("Users: alice, bob, carol");
    bob.send_line("/who");
    expect(await bob.read_line()).to.equal("Users: alice, bob, carol");
  });

  it("accepts /nick as the first line, renames with /nick and refuses taken or invalid nicks", async () => {
    const s = serve();
    const alice = await join(s, "alice");
    const bob = await connect(s);
    bob.send_line("/nick alice");
    expect(await bob.read_line()).to.equal("Nickname alice is taken, try another");
    bob.send_line("two words");
    expect(await bob.read_line()).to.match(/^Invalid nickname/);
    bob.send_line("/nick bob");
    expect(await bob.read_line()).to.equal("Hello bob, 2 user(s) here: alice, bob");
    expect(await alice.read_line()).to.equal("* bob has joined");

    bob.send_line("/nick robert");
    expect(await alice.read_line()).to.equal("* bob is now known as robert");
    expect(await bob.read_line()).to.equal("* bob is now known as robert");
    alice.send_line("/who");
    expect(await alice.read_line()).to.equal("Users: alice, robert");
    alice.send_line("/dance");
    expect(await alice.read_line()).to.equal("Unknown command /dance (try /nick, /who, /quit)");
  });

  it("/quit says Bye, closes the connection and tells the room", async () => {
    const s = serve();
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", [alice]);
    bob.send_line("/quit");
    expect(await bob.read_line()).to.equal("Bye");
    await bob.wait_end();
    expect(bob.lines).to.deep.equal([]);
    expect(await alice.read_line()).to.equal("* bob has left");
    alice.send_line("/who");
    expect(await alice.read_line()).to.equal("Users: alice");
    expect(s.room.channels.size).to.equal(1);
    expect(fx.map.size).to.equal(3); // two listeners and alice
  });

  it("a client that just disconnects leaves the room", async () => {
    const s = serve();
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", [alice]);
    bob.close();
    expect(await alice.read_line()).to.equal("* bob has left");
    alice.send_line("/who");
    expect(await alice.read_line()).to.equal("Users: alice");
  });

  it("refuses over-long lines without dropping the connection", async () => {
    const s = serve();
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", [alice]);
    alice.send_line("x".repeat(MAX_LINE + 1));
    expect(await alice.read_line()).to.equal(`Line too long (max ${MAX_LINE} bytes)`);
    alice.send_line("x".repeat(MAX_LINE));
    expect(await bob.read_line()).to.equal(`<alice> ${"x".repeat(MAX_LINE)}`);
  });

  it("the stats dispatcher in the same map reports users, messages and bytes, then closes", async () => {
    const s = serve();
    expect((await read_all(s.stats as [string, number])).toString()).to.equal(
      "users 0\r\nmessages 0\r\nbytes 0\r\nconnections 0\r\n",
    );
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", [alice]);
    const lurker = await connect(s); // connected, no nickname: not a user yet
    alice.send_line("hello");
    expect(await bob.read_line()).to.equal("<alice> hello");
    bob.send_line("hé");
    expect(await alice.read_line()).to.equal("<bob> hé");
    bob.send_line("/who");
    expect(await bob.read_line()).to.equal("Users: alice, bob");
    expect((await read_all(s.stats as [string, number])).toString()).to.equal(
      "users 2\r\nmessages 2\r\nbytes 8\r\nconnections 3\r\n",
    );
    lurker.close();
    alice.send_line("/quit");
    await alice.wait_end();
    expect(await bob.read_line()).to.equal("* alice has left");
    expect((await read_all(s.stats as [string, number])).toString()).to.match(/^users 1\r\n/);
  });

  it("shares one map with another server (the echo server)", async () => {
    const s = serve();
    const echo = new EchoServer("127.0.0.1", 0, fx.map);
    fx.sandbox.stub(console, "log"); // EchoServer logs each connection
    const addr = (echo.socket as socket.socket).getsockname() as [string, number];
    const e = await LineClient.connect(addr);
    fx.clients.push(e);
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", [alice]);
    e.send_line("ping");
    alice.send_line("between");
    expect(await e.read_line()).to.equal("ping");
    expect(await bob.read_line()).to.equal("<alice> between");
  });

  it("serves IPv6 (::1) the same way", async () => {
    const s = start({ host: "::1", port: 0, map: fx.map });
    fx.run();
    expect((s.chat as [string, number])[0]).to.equal("::1");
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", [alice]);
    alice.send_line("over v6");
    expect(await bob.read_line()).to.equal("<alice> over v6");
    expect((await read_all(s.stats as [string, number])).toString()).to.match(/^users 2\r\nmessages 1\r\n/);
  });

  it("closing the map ends loop() and every client sees the end of stream", async () => {
    const s = serve();
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", [alice]);
    asyncore.close_all(fx.map);
    await with_timeout(fx.looping!, 5000, "loop() to return");
    await alice.wait_end();
    await bob.wait_end();
  });
});

describe("examples/chat_server run with --workers 2", function () {
  this.timeout(20000);
  const script = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "chat_server.js");
  let child: Child | null = null;
  const clients: LineClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    child?.kill();
    await child?.done;
    child = null;
  });

  it("two worker processes serve the chat port and, with no stats port given, port + 1; SIGTERM stops them all (exit 0)", async () => {
    const port = await free_port(2);
    child = new Child(process.execPath, [script, String(port), "--workers", "2"]);
    const line = `^chat server on 127\\.0\\.0\\.1:${port}, stats on 127\\.0\\.0\\.1:${port + 1} \\(pid (\\d+)\\)$`;
    const pids = await pids_printed(child, new RegExp(line, "gm"), 2);
    expect(new Set(pids).size).to.equal(2);
    const c = await retry_refused(() => LineClient.connect(["127.0.0.1", port]));
    clients.push(c);
    expect(await c.read_line()).to.equal(WELCOME);
    const stats = (await retry_refused(() => read_all(["127.0.0.1", port + 1]))).toString();
    expect(stats).to.match(/^users \d+\r\nmessages 0\r\n/);
    child.proc.kill("SIGTERM");
    const r = await child.done;
    expect([r.code, r.signal]).to.deep.equal([0, null]);
    expect(pids.filter(alive)).to.deep.equal([]);
  });
});
