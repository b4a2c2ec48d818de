// One map, one loop(): a listener dispatcher spawning async_chat channels, beside plain dispatchers.
import { expect } from "chai";
import * as asynchat from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import * as socket from "../../src/socket/index.js";
import { LOOP_CASES, cleanup_unix_paths, loop_until } from "../helpers/asyncore.js";

const LINES = 300;

/** Server side: an async_chat per connection answering each line upper-cased. */
class upper_channel extends asynchat.async_chat {
  constructor(sock: socket.socket, map: asyncore.SocketMap) {
    super(sock, map);
    this.set_terminator(Buffer.from("\n"));
  }
  override collect_incoming_data(data: Buffer): void {
    this._collect_incoming_data(data);
  }
  override found_terminator(): void {
    this.push(Buffer.concat([Buffer.from(this._get_data().toString("latin1").toUpperCase(), "latin1"), Buffer.from("\n")]));
  }
}

class listener extends asyncore.dispatcher {
  spawned = 0;
  constructor(family: number, addr: socket.Address, private readonly m: asyncore.SocketMap) {
    super(null, m);
    this.create_socket(family, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind(addr);
    this.listen(16);
  }
  override handle_accepted(sock: socket.socket): void {
    this.spawned++;
    new upper_channel(sock, this.m);
  }
}

/** A plain dispatcher_with_send client: sends all its lines at once, reads raw bytes. */
class raw_client extends asyncore.dispatcher_with_send {
  received = "";
  constructor(family: number, addr: socket.Address, map: asyncore.SocketMap, tag: string) {
    super(null, map);
    this.create_socket(family, socket.SOCK_STREAM);
    this.connect(addr);
    const lines = Array.from({ length: LINES }, (_, i) => `${tag} line ${i}\n`).join("");
    this.send(Buffer.from(lines, "latin1"));
  }
  override handle_connect(): void {}
  override handle_read(): void {
    this.received += this.recv(8192).toString("latin1");
  }
  override handle_close(): void {
    this.close();
  }
}

/** An async_chat client: one line at a time, the next sent when the answer comes. */
class chat_client extends asynchat.async_chat {
  answers: string[] = [];
  constructor(family: number, addr: socket.Address, map: asyncore.SocketMap, private readonly tag: string) {
    super(null, map);
    this.create_socket(family, socket.SOCK_STREAM);
    this.connect(addr);
    this.set_terminator(Buffer.from("\n"));
    this.push(Buffer.from(`${tag} ask 0\n`));
  }
  override handle_connect(): void {}
  override collect_incoming_data(data: Buffer): void {
    this._collect_incoming_data(data);
  }
  override found_terminator(): void {
    this.answers.push(this._get_data().toString("latin1"));
    if (this.answers.length < LINES) this.push(Buffer.from(`${this.tag} ask ${this.answers.length}\n`));
  }
}

for (const lc of LOOP_CASES) {
  describe(`asynchat in a mixed map (${lc.label})`, function () {
    this.timeout(15000);
    let map: asyncore.SocketMap;
    beforeEach(() => {
      map = new Map();
    });
    afterEach(() => {
      asyncore.close_all(map);
      cleanup_unix_paths();
    });

    it("serves dispatcher_with_send and async_chat clients at once through async_chat channels", async () => {
      const srv = new listener(lc.family, lc.addr(), map);
      const addr = (srv.socket as socket.socket).getsockname();
      const raws = [0, 1, 2].map((i) => new raw_client(lc.family, addr, map, `raw${i}`));
      const chats = [0, 1, 2].map((i) => new chat_client(lc.family, addr, map, `chat${i}`));
      const want_raw = (tag: string): string =>
        Array.from({ length: LINES }, (_, i) => `${tag} line ${i}\n`.toUpperCase()).join("");
      const done = (): boolean =>
        raws.every((r, i) => r.received.length >= want_raw(`raw${i}`).length) &&
        chats.every((c) => c.answers.length === LINES);
      await loop_until(done, { use_poll: lc.use_poll, map, ms: 10000, what: "all answers" });
      expect(srv.spawned).to.equal(6);
      raws.forEach((r, i) => expect(r.received).to.equal(want_raw(`raw${i}`)));
      chats.forEach((c, i) =>
        expect(c.answers).to.deep.equal(Array.from({ length: LINES }, (_, k) => `CHAT${i} ASK ${k}`)),
      );
      // 1 listener + 6 server channels + 6 clients, all in the one map
      expect(map.size).to.equal(13);
    });
  });
}
