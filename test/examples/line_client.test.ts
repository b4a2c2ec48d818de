// examples/line_client.ts run as a child process (stdin/stdout pipes) against the echo and
// chat servers running in this process's loop.
import { expect } from "chai";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import * as socket from "asyncore-ts/socket";
import { EchoServer, EchoHandler } from "../../examples/echo_server.js";
import { start as start_chat } from "../../examples/chat_server.js";
import { Child, LineClient, with_timeout } from "../helpers/clients.js";
import { loop_fixture } from "../helpers/loop_fixture.js";

const CLIENT = fileURLToPath(new URL("../../examples/line_client.js", import.meta.url));

/** The echo server without its per-connection console.log. */
class QuietEchoServer extends EchoServer {
  override handle_accepted(sock: socket.socket): void {
    new EchoHandler(sock, this._map);
  }
}

describe("examples/line_client (child process)", function () {
  this.timeout(15000);
  const fx = loop_fixture();

  function echo(): [string, number] {
    const server = new QuietEchoServer("127.0.0.1", 0, fx.map);
    fx.run();
    return (server.socket as socket.socket).getsockname() as [string, number];
  }

  function client(addr: readonly [string, number, ...unknown[]], ...flags: string[]): Child {
    const c = new Child(process.execPath, [CLIENT, ...flags, addr[0], String(addr[1])]);
    fx.children.push(c);
    return c;
  }

  /** The chat server running, with alice connected: she read the welcome, took her nickname and read the greeting. */
  async function chat_with_alice(): Promise<{ addr: [string, number]; alice: LineClient; greeting: string }> {
    const chat = start_chat({ host: "127.0.0.1", port: 0, map: fx.map });
    fx.run();
    const addr = chat.chat as [string, number];
    const alice = await LineClient.connect(addr);
    fx.clients.push(alice);
    await alice.read_line();
    alice.send_line("alice");
    const greeting = await alice.read_line();
    return { addr, alice, greeting };
  }

  async function exit_of(c: Child) {
    return with_timeout(c.done, 10000, "the line client to exit");
  }

  it("prints the echo of each line typed, and exits 0 after end of input", async () => {
    const c = client(echo());
    c.write("hello\n");
    await c.wait_stdout((s) => s === "hello\n", 10000, "the first echo");
    c.write("wörld\r\n");
    await c.wait_stdout((s) => s === "hello\nwörld\n", 5000, "the second echo");
    c.end_stdin();
    const r = await exit_of(c);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal("hello\nwörld\n");
    expect(r.stderr).to.match(/^connected to 127\.0\.0\.1:\d+\n$/);
  });

  it("input piped at once (2000 lines, the last one unterminated) comes back whole, in order", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${"x".repeat(i % 50)}`);
    const c = client(echo());
    c.write(lines.join("\n"));
    c.end_stdin();
    const r = await exit_of(c);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(`${lines.join("\n")}\n`);
  });

  it("talks to the chat server: joins, sees the room, /quit makes it exit while stdin is open", async () => {
    const { addr, alice, greeting } = await chat_with_alice();
    expect(greeting).to.equal("Hello alice, 1 user(s) here: alice");

    const c = client(addr);
    c.write("bob\n");
    expect(await alice.read_line(10000)).to.equal("* bob has joined");
    alice.send_line("hi bob");
    await c.wait_stdout((s) => s.includes("<alice> hi bob\n"), 5000, "alice's message");
    c.write("hi alice\n/who\n");
    expect(await alice.read_line()).to.equal("<bob> hi alice");
    await c.wait_stdout((s) => s.includes("Users: alice, bob\n"), 5000, "the /who answer");
    c.write("/quit\n");
    const r = await exit_of(c);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(
      "Welcome to the chat. What is your nickname?\nHello bob, 2 user(s) here: alice, bob\n<alice> hi bob\nUsers: alice, bob\nBye\n",
    );
    expect(await alice.read_line()).to.equal("* bob has left");
  });

  it("--close: close_when_done() at end of input, after everything typed was sent", async () => {
    const { addr, alice } = await chat_with_alice();
    const c = client(addr, "--close");
    c.write("carol\nhello room\nbye room");
    c.end_stdin();
    expect(await alice.read_line(10000)).to.equal("* carol has joined");
    expect(await alice.read_line()).to.equal("<carol> hello room");
    expect(await alice.read_line()).to.equal("<carol> bye room");
    expect(await alice.read_line()).to.equal("* carol has left");
    const r = await exit_of(c);
    expect(r.code, r.stderr).to.equal(0);
  });

  it("exits 1 with a message when the connection is refused", async () => {
    // A port that was just free: listen on port 0 and close again.
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.on("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const c = client(["127.0.0.1", port]);
    const r = await exit_of(c);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.match(/line_client: .*Connection refused/);
  });

  it("exits 2 with usage on bad arguments", async () => {
    const c = new Child(process.execPath, [CLIENT, "127.0.0.1"]);
    fx.children.push(c);
    const r = await exit_of(c);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^usage: line_client/);
  });
});
