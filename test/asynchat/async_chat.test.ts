// async_chat without a network: a scripted fake socket drives handle_read and initiate_send.
import { expect } from "chai";
import sinon from "sinon";
import { async_chat, simple_producer, type producer, UnicodeEncodeError } from "../../src/asynchat/index.js";
import type { SocketMap } from "../../src/asyncore/index.js";
import { BlockingIOError, ConnectionResetError, EAGAIN, ECONNRESET, OSError, ValueError, EIO } from "../../src/errno/index.js";
import { expect_writable_by_truthiness } from "../helpers/asyncore.js";

let next_fake_fd = 1_000_000;

/** A socket stand-in: recv() plays `reads`, send() accepts up to `room` bytes per call. */
class fake_socket {
  readonly fd = next_fake_fd++;
  reads: (Buffer | Error)[] = [];
  sent: Buffer[] = [];
  room = Infinity;
  closed = false;
  fileno(): number {
    return this.closed ? -1 : this.fd;
  }
  recv(n: number): Buffer {
    const r = this.reads.shift();
    if (r === undefined) throw new BlockingIOError(EAGAIN);
    if (r instanceof Error) throw r;
    if (r.length > n) {
      this.reads.unshift(r.subarray(n));
      return r.subarray(0, n);
    }
    return r;
  }
  send(data: Uint8Array): number {
    const n = Math.min(this.room, data.length);
    if (n === 0 && data.length) throw new BlockingIOError(EAGAIN);
    this.sent.push(Buffer.from(data.subarray(0, n)));
    return n;
  }
  close(): void {
    this.closed = true;
  }
  getsockopt(): number {
    return 0;
  }
  get output(): string {
    return Buffer.concat(this.sent).toString("latin1");
  }
}

class line_chat extends async_chat {
  lines: string[] = [];
  buffer: Buffer[] = [];
  override collect_incoming_data(data: Buffer): void {
    this.buffer.push(data);
  }
  override found_terminator(): void {
    this.lines.push(Buffer.concat(this.buffer).toString("latin1"));
    this.buffer = [];
  }
}

function make<T extends async_chat>(cls: new (sock?: null, map?: SocketMap | null) => T): [T, fake_socket, SocketMap] {
  const map: SocketMap = new Map();
  const chat = new cls(null, map);
  const sock = new fake_socket();
  chat.set_socket(sock, map);
  chat.connected = true;
  return [chat, sock, map];
}

const B = (s: string): Buffer => Buffer.from(s, "latin1");

describe("asynchat.async_chat (fake socket)", () => {
  afterEach(() => sinon.restore());

  it("has CPython 3's class attribute defaults on the prototype", () => {
    expect(async_chat.prototype.ac_in_buffer_size).to.equal(65536);
    expect(async_chat.prototype.ac_out_buffer_size).to.equal(65536);
    expect(async_chat.prototype.use_encoding).to.equal(false);
    expect(async_chat.prototype.encoding).to.equal("latin-1");
    const c = new async_chat(null, new Map());
    expect(Object.hasOwn(c, "ac_in_buffer_size")).to.equal(false);
    expect(c.ac_in_buffer.length).to.equal(0);
    expect(c.incoming).to.deep.equal([]);
    expect(c.producer_fifo.length).to.equal(0);
    expect(c.get_terminator()).to.equal(null);
  });

  it("TestAsynchatMocked.test_blockingioerror: handle_read ignores BlockingIOError", () => {
    const [c, sock] = make(line_chat);
    sock.reads.push(new BlockingIOError(EAGAIN));
    const error = sinon.stub(c, "handle_error");
    c.handle_read();
    expect(error.called).to.equal(false);
    c.del_channel();
  });

  it("routes other OSErrors from recv to handle_error with the error", () => {
    const [c, sock] = make(line_chat);
    const boom = new OSError(EIO);
    sock.reads.push(boom);
    const error = sinon.stub(c, "handle_error");
    c.handle_read();
    expect(error.calledOnceWithExactly(boom)).to.equal(true);
    c.del_channel();
  });

  it("a reset from recv closes the channel (dispatcher.recv's _DISCONNECTED rule)", () => {
    const [c, sock, map] = make(line_chat);
    sock.reads.push(new ConnectionResetError(ECONNRESET));
    c.handle_read();
    expect(map.size).to.equal(0);
    expect(sock.closed).to.equal(true);
  });

  it("TestNotConnected.test_disallow_negative_terminator: ValueError", () => {
    const c = new async_chat(null, new Map());
    expect(() => c.set_terminator(-1)).to.throw(ValueError, /must be positive/);
    expect(() => c.set_terminator(1.5)).to.throw(TypeError);
    c.set_terminator(0);
    expect(c.get_terminator()).to.equal(0);
  });

  it("set_terminator(true) counts one byte, as Python's True (an int) does", () => {
    // CPython: c.set_terminator(True); a read of b"ab" gives collect(b"a"), found, then b"b" collected.
    const [c, sock] = make(line_chat);
    c.set_terminator(true as never);
    expect(c.get_terminator()).to.equal(1);
    sock.reads.push(B("ab"));
    c.handle_read();
    expect(c.lines).to.deep.equal(["a"]);
    expect(c.buffer.map((b) => b.toString("latin1"))).to.deep.equal(["b"]);
    c.del_channel();
  });

  it("set_terminator({}) raises TypeError at once, with the text CPython raises at the next read", () => {
    // CPython accepts it; the next handle_read fails in bytes.find() with this TypeError.
    const c = new async_chat(null, new Map());
    expect(() => c.set_terminator({} as never)).to.throw(TypeError, "argument should be integer or bytes-like object, not 'dict'");
    expect(c.get_terminator()).to.equal(null);
  });

  it("encodes str terminators only with use_encoding", () => {
    const c = new async_chat(null, new Map());
    c.set_terminator("\r\n");
    expect(c.get_terminator()).to.equal("\r\n"); // kept as str: the next read raises TypeError, as CPython
    class enc extends async_chat {
      override get use_encoding(): boolean {
        return true;
      }
    }
    const e = new enc(null, new Map());
    e.set_terminator("é\n");
    expect(e.get_terminator()).to.deep.equal(Buffer.from([0xe9, 0x0a]));
    expect(() => e.set_terminator("€")).to.throw(
      UnicodeEncodeError, "'latin-1' codec can't encode character '\\u20ac' in position 0: ordinal not in range(256)");
    class utf8 extends enc {
      override get encoding(): string {
        return "UTF8";
      }
    }
    const u = new utf8(null, new Map());
    u.set_terminator("€");
    expect(u.get_terminator()).to.deep.equal(Buffer.from("€"));
    expect(() => u.set_terminator("a\ud800")).to.throw(
      UnicodeEncodeError, "'utf-8' codec can't encode character '\\ud800' in position 1: surrogates not allowed");
  });

  it("reads class attributes at use time, so a subclass getter or field overrides them", () => {
    class small extends line_chat {
      override get ac_in_buffer_size(): number {
        return 3;
      }
      override ac_out_buffer_size = 4;
    }
    const [c, sock] = make(small);
    const recv = sinon.spy(sock, "recv");
    c.set_terminator(B("\n"));
    sock.reads.push(B("abcdef\n"));
    c.handle_read();
    expect(recv.firstCall.args[0]).to.equal(3);
    c.handle_read();
    c.handle_read();
    expect(c.lines).to.deep.equal(["abcdef"]);
    c.push(B("0123456789"));
    expect([...c.producer_fifo].map((x) => Buffer.from(x as Buffer).toString("latin1"))).to.deep.equal(["4567", "89"]);
    expect(sock.output).to.equal("0123");
    c.del_channel();
  });

  it("push: bytes, Uint8Array (bytearray/memoryview); TypeError for int and str", () => {
    const [c, sock] = make(line_chat);
    c.push(B("bytes\n"));
    c.push(new Uint8Array(B("bytes\n")));
    c.push(B("xxbytes\nxx").subarray(2, 8));
    expect(() => c.push(10 as never)).to.throw(TypeError, /byte-ish/);
    expect(() => c.push("unicode" as never)).to.throw(TypeError, /byte-ish/);
    expect(sock.output).to.equal("bytes\n".repeat(3));
    c.del_channel();
  });

  it("splits pushed bytes into ac_out_buffer_size slices without copying", () => {
    const [c, sock] = make(line_chat);
    sock.room = 0;
    const data = Buffer.alloc(65536 * 2 + 10, 7);
    c.push(data);
    const parts = [...c.producer_fifo] as Buffer[];
    expect(parts.map((p) => p.length)).to.deep.equal([65536, 65536, 10]);
    expect(parts[1]!.buffer).to.equal(data.buffer);
    c.del_channel();
  });

  it("keeps the unsent rest at the head on a partial send; one send per initiate_send", () => {
    const [c, sock] = make(line_chat);
    sock.room = 3;
    c.push(B("hello"));
    c.push(B("world"));
    // the second push's initiate_send sends the rest of the head, not "world"
    expect(sock.sent.map((b) => b.toString("latin1"))).to.deep.equal(["hel", "lo"]);
    expect(c.writable()).to.equal(true);
    while (c.producer_fifo.length) c.handle_write();
    expect(sock.sent.map((b) => b.toString("latin1"))).to.deep.equal(["hel", "lo", "wor", "ld"]);
    expect(c.writable()).to.equal(false);
    c.del_channel();
  });

  it("a send()'s OSError goes to handle_error with the bytes left at the head; other errors propagate", () => {
    const [c, sock] = make(line_chat);
    const error = sinon.stub(c, "handle_error");
    const send = sinon.stub(sock, "send").throws(new OSError(EIO, "Input/output error"));
    c.push(B("abc"));
    expect(error.calledOnce).to.equal(true);
    expect(error.firstCall.args[0]).to.be.instanceOf(OSError);
    expect((c.producer_fifo.at(0) as Buffer).toString("latin1")).to.equal("abc");
    send.throws(new RangeError("not an OSError"));
    expect(() => c.initiate_send()).to.throw(RangeError);
    expect(c.producer_fifo.length).to.equal(1);
    send.restore();
    c.initiate_send();
    expect(sock.output).to.equal("abc");
    expect(c.producer_fifo.length).to.equal(0);
    c.del_channel();
  });

  it("initiate_send offers at most ac_out_buffer_size bytes of a longer head (one rebound after the push)", () => {
    const [c, sock] = make(line_chat);
    c.push(B("0123456789"));
    c.ac_out_buffer_size = 4;
    c.push(B("abcdefghij"));
    while (c.producer_fifo.length) c.initiate_send();
    expect(sock.sent.map((b) => b.toString("latin1"))).to.deep.equal(["0123456789", "abcd", "efgh", "ij"]);
    c.del_channel();
  });

  it("pulls a producer only as the socket takes data (a 1 GiB producer is not read ahead)", () => {
    const [c, sock] = make(line_chat);
    let pulled = 0;
    const total = 1 << 30;
    const chunk = Buffer.alloc(65536, 0x2e);
    const huge: producer = {
      more() {
        if (pulled >= total) return Buffer.alloc(0);
        pulled += chunk.length;
        return chunk;
      },
    };
    sock.room = 1000;
    c.push_with_producer(huge);
    for (let i = 0; i < 200; i++) c.handle_write();
    expect(sock.sent.length).to.equal(201);
    expect(sock.sent.every((b) => b.length > 0 && b.length <= 1000)).to.equal(true);
    // 201 sends of at most 1000 bytes need 4 chunks of 64 KiB: nothing more was pulled
    expect(pulled).to.equal(4 * 65536);
    c.del_channel();
  });

  it("simple_producer hands out buffer_size slices, then empty", () => {
    const p = new simple_producer(B("hello world"), 4);
    const out: string[] = [];
    for (;;) {
      const d = p.more();
      out.push(Buffer.from(d as Buffer).toString("latin1"));
      if (!d.length) break;
    }
    expect(out).to.deep.equal(["hell", "o wo", "rld", ""]);
    expect(new simple_producer(B("x")).buffer_size).to.equal(512);
  });

  it("str producers: encoded with use_encoding, TypeError without", () => {
    class enc extends line_chat {}
    enc.prototype.use_encoding = true;
    const [e, es] = make(enc);
    e.push_with_producer("héllo");
    e.push_with_producer(new simple_producer("abc", 2));
    while (e.producer_fifo.length) e.handle_write();
    expect(Buffer.concat(es.sent)).to.deep.equal(Buffer.from("héllo" + "abc", "latin1"));
    e.del_channel();
    const [c] = make(line_chat);
    expect(() => c.push_with_producer("text")).to.throw(TypeError, /not 'str'/);
    c.del_channel();
  });

  it("close_when_done closes only after everything queued before it was sent", () => {
    const [c, sock, map] = make(line_chat);
    sock.room = 2;
    c.push(B("abcd"));
    c.push_with_producer(new simple_producer(B("efgh"), 3));
    c.close_when_done();
    c.push(B("never"));
    const close = sinon.spy(c, "handle_close");
    let writes = 0;
    while (map.size && writes++ < 100) c.handle_write();
    expect(sock.output).to.equal("abcdefgh");
    expect(close.calledOnce).to.equal(true);
    expect(sock.closed).to.equal(true);
  });

  it("an empty push costs one (empty) send, as CPython", () => {
    const [c, sock] = make(line_chat);
    sock.room = 0;
    c.push(B("a"));
    c.push(B(""));
    c.push(B("x"));
    expect(c.producer_fifo.length).to.equal(3);
    sock.room = Infinity;
    const send = sinon.spy(c, "send");
    c.initiate_send();
    c.initiate_send();
    expect(sock.output).to.equal("a");
    expect(send.callCount).to.equal(2);
    expect(send.secondCall.args[0].length).to.equal(0);
    c.initiate_send();
    expect(sock.output).to.equal("ax");
    c.del_channel();
  });

  it("writable() is true while not connected, readable() always", () => {
    const c = new async_chat(null, new Map());
    expect(c.writable()).to.equal(true);
    expect(c.readable()).to.equal(true);
  });

  it("_collect_incoming_data/_get_data gather and reset incoming", () => {
    class gather extends async_chat {
      items: string[] = [];
      override collect_incoming_data(data: Buffer): void {
        this._collect_incoming_data(data);
      }
      override found_terminator(): void {
        this.items.push(this._get_data().toString("latin1"));
      }
    }
    const [c, sock] = make(gather);
    c.set_terminator(B("\r\n"));
    sock.reads.push(B("one\r"), B("\ntwo"), B("\r\n"));
    c.handle_read();
    c.handle_read();
    expect(c.incoming.map((b) => b.toString("latin1"))).to.deep.equal(["two"]);
    c.handle_read();
    expect(c.items).to.deep.equal(["one", "two"]);
    expect(c.incoming).to.deep.equal([]);
    c.del_channel();
  });

  it("ac_in_buffer reads as a Buffer and can be assigned; discard_buffers empties everything", () => {
    const [c, sock] = make(line_chat);
    c.set_terminator(B("\r\n"));
    sock.reads.push(B("abc\r"));
    sock.room = 0;
    c.handle_read();
    expect(Buffer.isBuffer(c.ac_in_buffer)).to.equal(true);
    expect(c.ac_in_buffer.toString("latin1")).to.equal("\r");
    c.push(B("pending"));
    c.buffer.length = 0;
    c.discard_buffers();
    expect(c.ac_in_buffer.length).to.equal(0);
    expect(c.producer_fifo.length).to.equal(0);
    c.ac_in_buffer = B("x\r\n");
    sock.reads.push(B("y\r\n"));
    c.handle_read();
    expect(c.lines).to.deep.equal(["x", "y"]);
    c.del_channel();
  });

  it("collect_incoming_data and found_terminator must be overridden (NotImplementedError)", () => {
    const c = new async_chat(null, new Map());
    expect(() => c.collect_incoming_data(B("x"))).to.throw(/must be implemented in subclass/);
    expect(() => c.found_terminator()).to.throw(/must be implemented in subclass/);
  });

  it("the opt-in ac_collect_limit raises CollectLimitError from handle_read by default", () => {
    class limited extends line_chat {
      override ac_collect_limit = 8;
    }
    const [c, sock] = make(limited);
    c.set_terminator(B("\n"));
    sock.reads.push(B("12345678\n"), B("123456789"));
    c.handle_read();
    expect(c.lines).to.deep.equal(["12345678"]);
    expect(() => c.handle_read()).to.throw(/ac_collect_limit \(8\)/);
    c.del_channel();
  });
});

// writable() tests `connected` against true before its truthiness (a fast path), as
// dispatcher_with_send's does: any other value still gets Python's truthiness.
describe("async_chat.writable(): connected read by truthiness, as Python's `not self.connected`", () => {
  it("with nothing queued, writable() is false for a truthy connected and true for a falsy one", () => {
    expect_writable_by_truthiness(new async_chat(null, new Map()));
  });
});
