// async_chat: Python's asynchat.async_chat, a dispatcher that frames input and queues output.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use
import { dispatcher, output_queue, wake, type deque, type SocketMap } from "../asyncore/index.js";
import { BlockingIOError, NotImplementedError, OSError, ValueError } from "../errno/index.js";
import { socket } from "../socket/index.js";
import { encode } from "./encoding.js";
import { CollectLimitError } from "./errors.js";
import { framer, type framing_target, type terminator } from "./framing.js";
import type { BytesLike, fifo_entry, producer } from "./producer.js";

const EMPTY = Buffer.alloc(0);

function as_view(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** push()'s check of anything not a Buffer: a view of any other Uint8Array, else CPython's TypeError. */
function push_view(data: unknown): Buffer {
  if (!(data instanceof Uint8Array)) {
    // CPython's text, tuple and all: it passes the format and the type as two arguments.
    throw new TypeError(`('data argument must be byte-ish (%r)', <class '${data === undefined ? "NoneType" : type_name(data)}'>)`);
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function type_name(x: unknown): string {
  if (x === null) return "NoneType";
  if (x === undefined) return "undefined";
  if (typeof x === "string") return "str";
  if (typeof x === "number") return Number.isInteger(x) ? "int" : "float";
  // A plain object is what a Python dict becomes in JS.
  if (typeof x === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(x))) return "dict";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

/**
 * The class attributes of async_chat. They are declared by interface merging and their
 * defaults set on the prototype (below the class), so that a TS subclass may override each of
 * them either with a field (`override ac_in_buffer_size = 4096`) or with a getter
 * (`override get use_encoding() { return true; }`), and the base class reads them at use time.
 */
export interface async_chat {
  /** recv() size per read: 65536, as CPython 3's code (its documentation says 4096). */
  ac_in_buffer_size: number;
  /** Largest slice sent at once, and the size pushed bytes are split into: 65536. */
  ac_out_buffer_size: number;
  /** Encode str terminators and str producer output with `encoding` (default false). */
  use_encoding: boolean | number;
  /** Python codec name used when `use_encoding` is set: "latin-1". */
  encoding: string;
  /**
   * Not in CPython, opt-in: the most bytes collect_incoming_data may receive between two
   * found_terminator calls (or since set_terminator). null (the default) means no limit, as
   * CPython. When exceeded, the rest of that read is dropped and handle_collect_overflow() runs.
   */
  ac_collect_limit: number | null;
  /** The current terminator (null until set_terminator is called). */
  terminator: terminator;
}

/**
 * Python's `asynchat.async_chat`: subclass it and override collect_incoming_data() and
 * found_terminator(). It shares a map with plain dispatchers.
 */
export class async_chat extends dispatcher implements framing_target {
  /** Data gathered by _collect_incoming_data(), joined by _get_data(). */
  incoming: Buffer[] = [];
  readonly #framer: framer = new framer(this);
  /** The output side: producer_fifo and CPython's initiate_send over it, free of I/O. */
  readonly #out = new output_queue<fifo_entry>();

  /**
   * initiate_send's send: as CPython, a send's OSError goes to handle_error and nothing was taken.
   * Made on the first send, as are the two below (an idle channel never needs them).
   */
  #send_fn: ((data: Buffer) => number) | null = null;
  get #send(): (data: Buffer) => number {
    return (this.#send_fn ??= (data: Buffer): number => {
      try {
        return this.send(data);
      } catch (err) {
        if (err instanceof OSError) {
          this.handle_error(err);
          return 0;
        }
        throw err;
      }
    });
  }
  #encode_fn: ((text: string) => Buffer) | null = null;
  get #encode(): (text: string) => Buffer {
    return (this.#encode_fn ??= (text: string): Buffer => encode(text, this.encoding));
  }
  #connected_fn: (() => boolean) | null = null;
  get #connected(): () => boolean {
    return (this.#connected_fn ??= (): boolean => this.connected);
  }

  constructor(sock?: socket | null, map?: SocketMap | null) {
    super(sock, map);
  }

  /** Outgoing queue: bytes, producers, str (with use_encoding), and null = close when reached. */
  get producer_fifo(): deque<fifo_entry> {
    return this.#out.fifo;
  }

  set producer_fifo(fifo: deque<fifo_entry>) {
    this.#out.fifo = fifo;
  }

  /** The input not yet framed (a Buffer view); between reads at most a partial terminator. */
  get ac_in_buffer(): Buffer {
    return this.#framer.pending;
  }

  set ac_in_buffer(data: BytesLike) {
    if (!(data instanceof Uint8Array)) throw new TypeError(`a bytes-like object is required, not '${type_name(data)}'`);
    this.#framer.pending = as_view(data);
  }

  collect_incoming_data(data: Buffer): void {
    void data;
    throw new NotImplementedError("must be implemented in subclass");
  }

  _collect_incoming_data(data: Buffer): void {
    this.incoming.push(data);
  }

  _get_data(): Buffer {
    const d = this.incoming.length === 1 ? this.incoming[0]! : Buffer.concat(this.incoming);
    this.incoming = [];
    return d;
  }

  found_terminator(): void {
    throw new NotImplementedError("must be implemented in subclass");
  }

  /** Bytes of any length, a str (encoded when use_encoding), a byte count >= 0, or null. */
  set_terminator(term: terminator): void {
    if (term === undefined) term = null;
    // Python's bool is an int: True counts one byte, False none.
    if (typeof term === "boolean") term = Number(term);
    if (typeof term === "object" && term !== null && !(term instanceof Uint8Array)) {
      // CPython fails at the first data, in bytes.find(); here at once (PORTING.md, "asynchat details").
      throw new TypeError(`argument should be integer or bytes-like object, not '${type_name(term)}'`);
    }
    if (typeof term === "string" && this.use_encoding) {
      term = encode(term, this.encoding);
    } else if (typeof term === "number") {
      if (!Number.isInteger(term)) throw new TypeError(`terminator must be an integer, not '${type_name(term)}'`);
      if (term < 0) throw new ValueError("the number of received bytes must be positive");
    }
    this.terminator = term;
    this.#framer.reset_count();
  }

  get_terminator(): terminator {
    return this.terminator;
  }

  override handle_read(): void {
    let data: Buffer;
    try {
      data = this.recv(this.ac_in_buffer_size);
    } catch (err) {
      if (err instanceof BlockingIOError) return;
      if (err instanceof OSError) {
        this.handle_error(err);
        return;
      }
      throw err;
    }
    this.#framer.feed(data);
  }

  override handle_write(): void {
    this.initiate_send();
  }

  override handle_close(): void {
    this.close();
  }

  /** Queue bytes (split into ac_out_buffer_size slices) and try to send at once. */
  push(data: BytesLike): void {
    // A Buffer first (what programs push): one instanceof, and a small body for the inliner.
    const view = data instanceof Buffer ? data : push_view(data);
    const size = this.ac_out_buffer_size;
    const fifo = this.#out.fifo;
    // Bytes into an empty queue, sent whole: queued and taken at once in CPython, so the entry
    // is queued here only if send() leaves some of it (or raises). That is not observable while
    // nothing but this library's code runs inside send(): no subclass's initiate_send, send,
    // handle_close, close or del_channel, and a library socket (see quiet_send()).
    if (fifo.length === 0 && view.length > 0 && view.length <= size && this.connected && quiet_send(this)) {
      this.#send_first(view, fifo);
      return;
    }
    this.#out.push(view, size);
    this.initiate_send();
  }

  /** initiate_send() for a queue that holds only `data` (not queued yet): the steps of its Buffer head below. */
  #send_first(data: Buffer, fifo: deque<fifo_entry>): void {
    // CPython's initiate_send reads ac_out_buffer_size again (push read it once).
    if (data.length > this.ac_out_buffer_size) {
      fifo.append(data);
      this.initiate_send();
      return;
    }
    let num_sent: number;
    try {
      num_sent = this.send(data);
    } catch (err) {
      fifo.append(data);
      if (err instanceof OSError) {
        this.handle_error(err);
        return;
      }
      throw err;
    }
    if (num_sent < data.length) fifo.append(num_sent ? data.subarray(num_sent) : data);
  }

  /** Queue a producer (anything with more(); bytes, or str with use_encoding, also work). */
  push_with_producer(producer: producer | BytesLike | string): void {
    this.#out.append(producer);
    this.initiate_send();
  }

  override readable(): boolean {
    return true;
  }

  override writable(): boolean {
    // `connected !== true` first, as in dispatcher_with_send.writable().
    const c = this.connected;
    return this.#out.length > 0 || (c !== true && !c);
  }

  /** Close the channel once everything queued before this call has been sent. */
  close_when_done(): void {
    this.#out.append(null);
    // writable() may have just turned true: a waiting loop must see it (PORTING.md, "Waking a waiting loop").
    wake(this._map);
  }

  /** Send from the head of the queue: at most one send() per call, producers pulled on demand. */
  initiate_send(): void {
    // The usual head, non-empty bytes (what push() queues), sent here as the queue's flush
    // would send it, without its closures; anything else takes the flush.
    const fifo = this.#out.fifo;
    if (fifo.length > 0 && this.connected) {
      const first = fifo.at(0);
      if (first instanceof Buffer && first.length > 0) {
        const size = this.ac_out_buffer_size;
        const data = first.length > size ? first.subarray(0, size) : first;
        let num_sent: number;
        try {
          num_sent = this.send(data);
        } catch (err) {
          if (err instanceof OSError) {
            this.handle_error(err);
            return;
          }
          throw err;
        }
        if (num_sent) {
          if (num_sent < data.length || size < first.length) fifo.set(0, first.subarray(num_sent));
          else fifo.popleft();
        }
        return;
      }
    }
    const encoder = this.use_encoding ? this.#encode : null;
    if (this.#out.flush(this.#send, this.ac_out_buffer_size, encoder, this.#connected) === "close") {
      this.handle_close();
    }
  }

  /** Emergencies only: drop unread input, collected data and the whole output queue. */
  discard_buffers(): void {
    this.ac_in_buffer = EMPTY;
    this.incoming = [];
    this.#out.clear();
    this.#framer.reset_count();
  }

  /**
   * Not in CPython: called when `ac_collect_limit` is exceeded. The default raises
   * CollectLimitError, which asyncore hands to handle_error (by default: log and close).
   * Override to answer the peer (e.g. an HTTP 431/413) and close_when_done().
   */
  handle_collect_overflow(): void {
    throw new CollectLimitError(this.ac_collect_limit ?? 0);
  }
}

const { send: dispatcher_send, close: dispatcher_close, del_channel: dispatcher_del_channel } = dispatcher.prototype;
const { initiate_send: chat_initiate_send, handle_close: chat_handle_close } = async_chat.prototype;
const { send: socket_send, close: socket_close } = socket.prototype;

/**
 * Whether initiate_send()'s send() runs only this library's code: the methods it reaches
 * (dispatcher.send, and on a disconnect handle_close → close → del_channel and the socket's close)
 * are not overridden, and the socket is the library's own with its own send. Only then can a
 * push into an empty queue skip queueing what send() takes at once. (In optimized code these
 * loads are constants, checked against the prototypes' maps.)
 */
function quiet_send(ch: async_chat): boolean {
  const s = ch.socket;
  return (
    ch.initiate_send === chat_initiate_send &&
    ch.send === dispatcher_send &&
    ch.handle_close === chat_handle_close &&
    ch.close === dispatcher_close &&
    ch.del_channel === dispatcher_del_channel &&
    s instanceof socket &&
    s.send === socket_send &&
    s.close === socket_close
  );
}

async_chat.prototype.ac_in_buffer_size = 65536;
async_chat.prototype.ac_out_buffer_size = 65536;
async_chat.prototype.use_encoding = false;
async_chat.prototype.encoding = "latin-1";
async_chat.prototype.ac_collect_limit = null;
async_chat.prototype.terminator = null;

export { async_chat as AsyncChat };
