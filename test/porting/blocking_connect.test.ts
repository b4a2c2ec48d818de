// PORTING.md's recipe "A blocking connect or accept in a handler", as a program: an FTP-like
// control channel (test_ftplib's DummyFTPHandler, cut down). CPython's handler does
//
//     def cmd_port(self, arg):                      # active mode
//         addr = list(map(int, arg.split(',')))
//         ip = '%d.%d.%d.%d' % tuple(addr[:4]); port = (addr[4] * 256) + addr[5]
//         s = socket.create_connection((ip, port), timeout=TIMEOUT)   # blocks the loop
//         self.dtp = self.dtp_handler(s, baseclass=self)
//         self.push('200 active data connection established')
//
//     def cmd_pasv(self, arg):                      # passive mode
//         with socket.create_server((self.socket.getsockname()[0], 0)) as sock:
//             ip, port = sock.getsockname()[:2]
//             self.push('227 entering passive mode (%s,%d,%d)' % (..., port >> 8, port & 255))
//             conn, addr = sock.accept()                                # blocks the loop
//             self.dtp = self.dtp_handler(conn, baseclass=self)
//
// While Python blocks, the control channel reads nothing: a command the client sent meanwhile
// ("LIST") is handled only once the data connection exists. The port keeps that order with a
// gate: readable() is false while a data connection is pending, and lines that had already
// arrived in the same recv() wait in a queue (async_chat hands every complete line of one recv()
// to found_terminator at once; Python's blocking call would have held them back).
import * as net from "node:net";
import { expect } from "chai";
import { async_chat } from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { loop_fixture } from "../helpers/loop_fixture.js";

/** The data channel: sends what it is given, then closes (test_ftplib's DummyDTPHandler, send side). */
class DataChannel extends async_chat {
  constructor(sock: socket.socket, map: asyncore.SocketMap) {
    super(sock, map);
  }
  override collect_incoming_data(): void {}
  override found_terminator(): void {}
}

/** A non-blocking `socket.create_connection(addr)`: calls back once, connected (sock) or failed (err). */
class Connector extends asyncore.dispatcher {
  constructor(
    addr: [string, number],
    map: asyncore.SocketMap,
    private readonly done: (sock: socket.socket | null, err: unknown) => void,
  ) {
    super(socket.create_connection(addr), map); // still connecting; the loop reports completion
    this.connecting = true;
    this.connected = false;
  }
  override readable(): boolean {
    return false;
  }
  override writable(): boolean {
    return true;
  }
  override handle_connect(): void {
    const sock = this.socket!;
    this.del_channel(); // hand the socket over, still open
    this.socket = null;
    this.done(sock, null);
  }
  override handle_error(err?: unknown): void {
    this.close(); // refused, unreachable …: the control channel answers 425
    this.done(null, err);
  }
  override handle_close(): void {
    this.handle_error(new Error("connection closed"));
  }
}

/** A blocking `conn, addr = sock.accept()` of a create_server() socket, done in the loop: calls back once. */
class Acceptor extends asyncore.dispatcher {
  constructor(
    listener: socket.socket,
    map: asyncore.SocketMap,
    private readonly done: (sock: socket.socket) => void,
  ) {
    super(listener, map);
    this.accepting = true; // a dispatcher given a listening socket is not told so (CPython neither)
  }
  override writable(): boolean {
    return false;
  }
  override handle_accepted(sock: socket.socket): void {
    this.close(); // `with socket.create_server(...)`: one connection, then the listener goes
    this.done(sock);
  }
}

class ControlChannel extends async_chat {
  dtp: DataChannel | null = null;
  /** A PORT connect or PASV accept in progress: Python's loop would be blocked inside the handler. */
  pending = false;
  /** Lines that came in the same recv() as the command that blocked; handled once it is done. */
  held: Buffer[] = [];
  in_buffer: Buffer[] = [];

  constructor(sock: socket.socket, map: asyncore.SocketMap) {
    super(sock, map);
    this.set_terminator(Buffer.from("\r\n"));
    this.push(Buffer.from("220 welcome\r\n"));
  }

  override readable(): boolean {
    return !this.pending && super.readable(); // the gate: read nothing while "blocked"
  }

  override collect_incoming_data(data: Buffer): void {
    this.in_buffer.push(Buffer.from(data));
  }

  override found_terminator(): void {
    const line = Buffer.concat(this.in_buffer);
    this.in_buffer = [];
    if (this.pending) this.held.push(line);
    else this.handle_line(line);
  }

  /** The blocking call returned: go on with what Python would have read next. */
  unblock(): void {
    this.pending = false;
    asyncore.wake(this._map); // readable() turned true without a send or a map change
    while (!this.pending && this.held.length > 0 && this.connected) this.handle_line(this.held.shift()!);
  }

  handle_line(line: Buffer): void {
    const [cmd = "", arg = ""] = line.toString("latin1").split(" ", 2);
    switch (cmd.toUpperCase()) {
      case "PORT": {
        const n = arg.split(",").map(Number);
        const addr: [string, number] = [n.slice(0, 4).join("."), n[4]! * 256 + n[5]!];
        this.pending = true;
        new Connector(addr, this._map, (sock) => {
          if (sock === null) {
            this.push(Buffer.from("425 can't open data connection\r\n"));
          } else {
            this.dtp = new DataChannel(sock, this._map);
            this.push(Buffer.from("200 active data connection established\r\n"));
          }
          this.unblock();
        });
        return;
      }
      case "PASV": {
        const listener = socket.create_server([this.socket!.getsockname()[0] as string, 0]);
        const port = listener.getsockname()[1] as number; // known at once: bound and listening
        this.push(Buffer.from(`227 entering passive mode (127,0,0,1,${port >> 8},${port & 255})\r\n`));
        this.pending = true;
        new Acceptor(listener, this._map, (sock) => {
          this.dtp = new DataChannel(sock, this._map);
          this.unblock();
        });
        return;
      }
      case "LIST":
        if (this.dtp === null) {
          this.push(Buffer.from("425 no data connection\r\n"));
          return;
        }
        this.push(Buffer.from("150 here comes the listing\r\n"));
        this.dtp.push(Buffer.from("a\r\nb\r\n"));
        this.dtp.close_when_done();
        this.dtp = null;
        this.push(Buffer.from("226 transfer complete\r\n"));
        return;
      default:
        this.push(Buffer.from("500 unknown command\r\n"));
    }
  }
}

class Server extends asyncore.dispatcher {
  constructor(map: asyncore.SocketMap) {
    super(socket.create_server(["127.0.0.1", 0]), map);
    this.accepting = true;
  }
  get port(): number {
    return this.socket!.getsockname()[1] as number;
  }
  override handle_accepted(sock: socket.socket): void {
    new ControlChannel(sock, this._map);
  }
}

/** A raw Node client of the control channel: everything it received, and a wait for a reply. */
function control_client(port: number): Promise<{ sock: net.Socket; text: () => string; until: (s: string) => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let got = "";
    const waiters: (() => void)[] = [];
    sock.on("data", (d) => {
      got += d.toString("latin1");
      for (const w of waiters.splice(0)) w();
    });
    sock.on("error", reject);
    const until = (s: string): Promise<void> =>
      new Promise((res) => {
        const check = (): void => (got.includes(s) ? res() : void waiters.push(check));
        check();
      });
    sock.on("connect", () => resolve({ sock, text: () => got, until }));
  });
}

/** Reads a data connection to its end. */
function read_all(sock: net.Socket): Promise<string> {
  return new Promise((res, rej) => {
    let got = "";
    sock.on("data", (d) => (got += d.toString("latin1")));
    sock.on("end", () => res(got));
    sock.on("error", rej);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("porting recipe: a blocking connect or accept in a handler", () => {
  const f = loop_fixture();

  it("PASV: the next command waits until the data connection was accepted", async () => {
    const server = new Server(f.map);
    f.run();
    const c = await control_client(server.port);
    try {
      await c.until("220 welcome\r\n");
      c.sock.write("PASV\r\n");
      await c.until(")\r\n");
      const m = /\(127,0,0,1,(\d+),(\d+)\)/.exec(c.text())!;
      const data_port = Number(m[1]) * 256 + Number(m[2]);
      c.sock.write("LIST\r\n"); // before the data connection: Python's handler is still in accept()
      await sleep(150);
      expect(c.text()).not.to.include("LIST"); // nothing answered yet
      expect(c.text()).not.to.match(/^(150|425)/m);
      const data = net.connect(data_port, "127.0.0.1");
      const listing = read_all(data);
      await c.until("226 transfer complete\r\n");
      expect(await listing).to.equal("a\r\nb\r\n");
      expect(c.text()).to.match(/227 [^\n]*\r\n150 here comes the listing\r\n226 transfer complete\r\n$/);
    } finally {
      c.sock.destroy();
    }
  });

  it("PORT: a command in the same packet is handled only once the data connection is up", async () => {
    const server = new Server(f.map);
    f.run();
    const accepted: net.Socket[] = [];
    const listener = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const lport = (listener.address() as net.AddressInfo).port;
    const c = await control_client(server.port);
    try {
      await c.until("220 welcome\r\n");
      c.sock.write(`PORT 127,0,0,1,${lport >> 8},${lport & 255}\r\nLIST\r\n`); // one write, one recv()
      await c.until("226 transfer complete\r\n");
      expect(c.text()).to.equal(
        "220 welcome\r\n200 active data connection established\r\n150 here comes the listing\r\n226 transfer complete\r\n",
      );
      while (accepted.length === 0) await sleep(5);
      expect(await read_all(accepted[0]!)).to.equal("a\r\nb\r\n");
    } finally {
      c.sock.destroy();
      for (const s of accepted) s.destroy();
      await new Promise((r) => listener.close(r));
    }
  });

  it("PORT to a closed port: 425, then the held command", async () => {
    const server = new Server(f.map);
    f.run();
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const dead = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r)); // nobody listens there now
    const c = await control_client(server.port);
    try {
      await c.until("220 welcome\r\n");
      c.sock.write(`PORT 127,0,0,1,${dead >> 8},${dead & 255}\r\nLIST\r\n`);
      await c.until("425 no data connection\r\n");
      expect(c.text()).to.equal("220 welcome\r\n425 can't open data connection\r\n425 no data connection\r\n");
      f.errors.resetHistory(); // Connector.handle_error ran for the refused connect, as intended
    } finally {
      c.sock.destroy();
    }
  });
});
