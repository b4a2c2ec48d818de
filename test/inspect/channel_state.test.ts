// A channel's state as Python would print it (the page's channel panel), exact values.
import { expect } from "chai";
import * as asynchat from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import { channel_state, terminator_repr } from "../../src/inspect/index.js";
import * as socket from "../../src/socket/index.js";
import { b } from "../../src/bytes.js";
import { wait_for } from "../helpers/net.js";

class Listener extends asyncore.dispatcher {
  override handle_accepted(sock: socket.socket): void {
    sock.close();
  }
}

class Chat extends asynchat.async_chat {
  override collect_incoming_data(data: Buffer): void {
    this._collect_incoming_data(data);
  }
  override found_terminator(): void {}
}

describe("inspect: channel state as Python prints it", () => {
  let map: asyncore.SocketMap;
  beforeEach(() => {
    map = new Map();
  });
  afterEach(() => {
    asyncore.close_all(map);
  });

  function listener(): [Listener, number] {
    const l = new Listener(null, map);
    l.create_socket(socket.AF_INET);
    l.bind(["127.0.0.1", 0]);
    l.listen(5);
    return [l, (l.socket!.getsockname() as [string, number])[1]];
  }

  it("a listening dispatcher: accepting, addr as bound, no error", () => {
    const [l] = listener();
    const fd = l._fileno as number;
    expect(channel_state(fd, l)).to.deep.equal({
      fd, cls: "Listener", repr: String(l), connected: false, accepting: true, connecting: false,
      addr: "('127.0.0.1', 0)", so_error: 0,
    });
  });

  it("an async_chat still connecting: terminator repr, ac_in_buffer length, producer FIFO count and bytes", () => {
    const [, port] = listener();
    const c = new Chat(null, map);
    c.create_socket(socket.AF_INET);
    c.connect(["127.0.0.1", port]);
    c.set_terminator(b`\r\n`);
    // Not connected yet: what is pushed waits in the FIFO.
    c.push(b`hello`);
    c.push(b`, world`);
    c.ac_in_buffer = b`partial`;
    const fd = c._fileno as number;
    expect(channel_state(fd, c)).to.deep.equal({
      fd, cls: "Chat", repr: String(c), connected: false, accepting: false, connecting: true,
      addr: `('127.0.0.1', ${port})`, so_error: 0,
      chat: { terminator: "b'\\r\\n'", ac_in_buffer: 7, producer_fifo: { count: 2, bytes: 12 } },
    });
    c.push_with_producer(new asynchat.simple_producer(b`abc`));
    c.close_when_done();
    c.set_terminator(42);
    expect(channel_state(fd, c).chat).to.deep.equal({ terminator: "42", ac_in_buffer: 7, producer_fifo: { count: 4, bytes: null } });
    c.set_terminator(null);
    expect(channel_state(fd, c).chat?.terminator).to.equal("None");
  });

  it("terminators print as Python's repr", () => {
    expect(terminator_repr(b`\r\n.\r\n`)).to.equal("b'\\r\\n.\\r\\n'");
    expect(terminator_repr(b`it's`)).to.equal('b"it\'s"');
    expect(terminator_repr(Buffer.from([0, 255]))).to.equal("b'\\x00\\xff'");
    expect(terminator_repr("END")).to.equal("'END'");
    expect(terminator_repr(0)).to.equal("0");
    expect(terminator_repr(null)).to.equal("None");
  });

  it("a dispatcher_with_send: out_buffer's length", () => {
    const [, port] = listener();
    const d = new asyncore.dispatcher_with_send(null, map);
    d.create_socket(socket.AF_INET);
    d.connect(["127.0.0.1", port]);
    d.out_buffer = b`12345`;
    const fd = d._fileno as number;
    expect(channel_state(fd, d)).to.deep.equal({
      fd, cls: "dispatcher_with_send", repr: String(d), connected: false, accepting: false, connecting: true,
      addr: `('127.0.0.1', ${port})`, so_error: 0, out_buffer: 5,
    });
  });

  it("SO_ERROR of a refused connect, with its name, left in place for the program", async () => {
    const [l, port] = listener();
    l.close();
    const d = new asyncore.dispatcher(null, map);
    d.create_socket(socket.AF_INET);
    d.connect(["127.0.0.1", port]);
    await wait_for(d.socket!, socket.POLLERR);
    const fd = d._fileno as number;
    expect(channel_state(fd, d).so_error).to.deep.equal({ errno: 111, name: "ECONNREFUSED" });
    expect(channel_state(fd, d).so_error).to.deep.equal({ errno: 111, name: "ECONNREFUSED" });
    expect(d.socket!.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)).to.equal(111);
    expect(channel_state(fd, d).so_error).to.equal(0);
  });

  it("a channel that is not a dispatcher: what the Channel interface says", () => {
    const ch: asyncore.Channel = {
      readable: () => true, writable: () => false, handle_read_event() {}, handle_write_event() {},
      handle_expt_event() {}, handle_close() {}, handle_error() {}, close() {}, toString: () => "<bare>",
    } as asyncore.Channel;
    expect(channel_state(9, ch)).to.deep.equal({
      fd: 9, cls: "Object", repr: "<bare>", connected: false, accepting: false, connecting: false, addr: "None", so_error: 0,
    });
  });
});
