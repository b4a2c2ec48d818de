// One Node stream socket seen as a kernel TCP/AF_UNIX connection: receive queue, send room, FIN, errors.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use
import { nextTick } from "node:process"; // as Buffer: globalThis.process is a getter
import { performance } from "node:perf_hooks"; // as Buffer: globalThis.performance is a getter
import type { Socket as NodeSocket } from "node:net";
import { EPIPE, os_error, type OSError } from "../errno/index.js";
import { ByteQueue } from "./byte_queue.js";
import { accepted_and_full, accepted_closed } from "./fd_limit.js";
import { socket_error_from_node } from "./errors.js";
import type { Endpoint, EndpointOwner } from "./endpoint.js";
import type { OptionKey } from "./options.js";
import { DEFAULT_RCVBUF, DEFAULT_SNDBUF } from "./constants.js";
import { POLLHUP, POLLIN, POLLOUT } from "./readiness.js";

/**
 * Where the connection stands: connecting, connected, or ended abnormally (reset, refused,
 * aborted: Linux's TCP_CLOSE) before it connected (FAILED) or after (RESET). The low two bits of
 * Connection.state.
 */
const CONNECTING = 0;
const CONNECTED = 1;
const FAILED = 2;
const RESET = 3;
const PHASE = 3;
/** Connection.state's flags above the phase: one field for what would be eight booleans per connection. */
const EOF = 4;
const RD_SHUT = 8;
const WR_SHUT = 16;
const RELEASED = 32;
const COUNTED = 64;
const BLOCKED = 128;
const HOLD_FIRST = 256;
const PAUSED = 512;
/** close() came before the peer's FIN: what arrives from now on resets the connection (release()). */
const LINGERING = 1024;
/** Something arrived after close() (LINGERING): the connection is reset once our FIN is out. */
const DATA_AFTER_CLOSE = 2048;
/** Our FIN is out after close() (LINGERING): the connection waits for the peer's (fin_waiting). */
const FIN_SENT = 4096;
/** send() was called in this tick (end_batch() is scheduled), and called again after that: what a per-tick count answered. */
const SENT = 8192;
const SENT_AGAIN = 16384;
/** An error came before the connection had an owner (while it waited to be accepted): in early_errors until attach(). */
const EARLY_ERROR = 32768;

/** How long a closed connection waits for the peer's FIN before it is torn down (Linux's FIN_WAIT2). */
const FIN_WAIT_MS = 60_000;

const CONNECTION = Symbol("connection");
type Tagged = NodeSocket & { [CONNECTION]?: Connection };
type Handlers = { on_data(chunk: Buffer): void; on_error(e: Error): void; on_connect(): void; fin_sent(): void };
const of = (c: NodeSocket): Handlers => (c as Tagged)[CONNECTION] as unknown as Handlers;
function on_data(this: NodeSocket, chunk: Buffer): void {
  of(this).on_data(chunk);
}
function on_error(this: NodeSocket, e: Error): void {
  of(this).on_error(e);
}
function end_batch(c: Connection): void {
  (c as unknown as { end_batch(): void }).end_batch();
}
function carry_check(c: Connection): void {
  (c as unknown as { carry_check(): void }).carry_check();
}
function on_connect(this: NodeSocket): void {
  of(this).on_connect();
}
function on_fin_sent(this: NodeSocket): void {
  of(this).fin_sent();
}

export class Connection implements Endpoint {
  /** The socket's stage this endpoint stands for: on the prototype, not a field of each Connection. */
  declare readonly kind: "stream";
  /**
   * What arrived and recv() has not taken. NO_INPUT (shared, never written) until the first data:
   * a connection that never receives, as most of an idle server's do, has no queue of its own.
   */
  rbuf: ByteQueue = NO_INPUT;
  /**
   * The phase (CONNECTING…RESET) and the flags EOF…EARLY_ERROR, read and written through the
   * accessors below; SENT and SENT_AGAIN say whether this tick has sent once or more (the first
   * send schedules end_batch() for the tick's end, see write()).
   */
  private state: number;
  /**
   * Sends held to leave together (the tick's later ones; its first too, and earlier ticks' carried
   * ones, in end_batch()'s cases), and their byte count. Many small ones are joined into one write
   * rather than corked: a corked writev of thousands of small replies leaves IOV_MAX (1024)
   * buffers per libuv turn, so a line server's replies piled up in Node faster than they left, and
   * SO_SNDBUF filled where Linux's send buffer would not have (flush_held()).
   */
  private held: Buffer[] | null = null;
  private held_bytes = 0;
  private owner: EndpointOwner | null = null;

  private get phase(): number {
    return this.state & PHASE;
  }
  private set phase(p: number) {
    this.state = (this.state & ~PHASE) | p;
  }
  private flag(f: number, on: boolean): void {
    this.state = on ? this.state | f : this.state & ~f;
  }
  /** The peer's FIN arrived. */
  private get eof(): boolean {
    return (this.state & EOF) !== 0;
  }
  private set eof(on: boolean) {
    this.flag(EOF, on);
  }
  /** shutdown(SHUT_RD), shutdown(SHUT_WR): each direction closes on its own, as Linux's sk_shutdown bits. */
  private get rd_shut(): boolean {
    return (this.state & RD_SHUT) !== 0;
  }
  private set rd_shut(on: boolean) {
    this.flag(RD_SHUT, on);
  }
  private get wr_shut(): boolean {
    return (this.state & WR_SHUT) !== 0;
  }
  private set wr_shut(on: boolean) {
    this.flag(WR_SHUT, on);
  }
  private get released(): boolean {
    return (this.state & RELEASED) !== 0;
  }
  private set released(on: boolean) {
    this.flag(RELEASED, on);
  }
  /** An accepted connection counted against the descriptor limit (fd_limit.ts) until Node's socket closes. */
  private get counted(): boolean {
    return (this.state & COUNTED) !== 0;
  }
  private set counted(on: boolean) {
    this.flag(COUNTED, on);
  }
  /** send() found no room; the next flushed write makes us writable again. */
  private get blocked(): boolean {
    return (this.state & BLOCKED) !== 0;
  }
  private set blocked(on: boolean) {
    this.flag(BLOCKED, on);
  }
  /**
   * The last tick made several sends (a line server answering a chunk of lines): this tick's
   * first send waits for the rest, so that they all leave in one write instead of two.
   */
  private get hold_first(): boolean {
    return (this.state & HOLD_FIRST) !== 0;
  }
  private set hold_first(on: boolean) {
    this.flag(HOLD_FIRST, on);
  }
  /** Node's socket is paused (not reading): the receive queue is at its limit, or nobody owns the connection yet. */
  private get paused(): boolean {
    return (this.state & PAUSED) !== 0;
  }
  private set paused(on: boolean) {
    this.flag(PAUSED, on);
  }

  constructor(
    readonly conn: NodeSocket,
    established: boolean,
  ) {
    this.state = established ? CONNECTED : CONNECTING;
    this.paused = true;
    // Shared listeners, found through the Node socket: no closures per connection. An accepted
    // connection is born connected and never hears "connect".
    (conn as Tagged)[CONNECTION] = this;
    conn.on("data", on_data);
    conn.on("end", Connection.on_end);
    conn.on("error", on_error);
    conn.on("close", Connection.on_close);
    if (!established) conn.on("connect", on_connect);
    conn.unref();
  }

  /** Count this accepted connection's descriptor until its Node socket closes (accepted_and_full()'s result). */
  count_descriptor(): number {
    this.counted = true;
    return accepted_and_full();
  }

  /** The handshake completed (it stays so after the connection ends). */
  get established(): boolean {
    return this.phase === CONNECTED || this.phase === RESET;
  }

  /** The connection ended abnormally, before or after it connected. */
  get dead(): boolean {
    return this.phase === FAILED || this.phase === RESET;
  }

  private die(): void {
    if (this.phase === CONNECTING) this.phase = FAILED;
    else if (this.phase === CONNECTED) this.phase = RESET;
  }

  /** Hand the connection to its socket; events from now on go there. */
  attach(owner: EndpointOwner): void {
    this.owner = owner;
    if ((this.state & EARLY_ERROR) !== 0) {
      this.state &= ~EARLY_ERROR;
      const err = early_errors.get(this) as OSError;
      early_errors.delete(this);
      owner._endpoint_error(err);
    }
    if (this.established) this.apply_options();
    this.resume_if_room();
  }

  retarget(owner: EndpointOwner): void {
    this.owner = owner;
  }

  /** Readiness as Linux's tcp_poll() reports it. */
  poll_flags(): number {
    switch (this.phase) {
      case CONNECTING:
        return 0;
      case FAILED:
      case RESET:
        return POLLIN | POLLOUT | POLLHUP;
      default: {
        const rd_done = this.eof || this.rd_shut;
        let f = this.rbuf.length > 0 || rd_done ? POLLIN : 0;
        if (this.writable_now) f |= POLLOUT;
        if (rd_done && this.wr_shut) f |= POLLHUP;
        return f;
      }
    }
  }

  /**
   * setsockopt() changed `key`. TCP_NODELAY and SO_KEEPALIVE go to Node's socket once it is
   * connected (apply_options() catches up with those set while connecting); a larger SO_RCVBUF
   * may let a paused connection read again, and SO_SNDBUF moves the line between writable and
   * not. SO_LINGER is read at close.
   */
  option_changed(key: OptionKey): void {
    const o = this.owner?.options;
    if (!o || this.released) return;
    switch (key) {
      case "nodelay":
        if (this.established && !this.conn.destroyed) this.conn.setNoDelay(o.nodelay);
        break;
      case "keepalive":
        if (this.established && !this.conn.destroyed) this.conn.setKeepAlive(o.keepalive);
        break;
      case "rcvbuf":
        this.resume_if_room();
        break;
      case "sndbuf":
        this.owner?._endpoint_changed();
        break;
      default:
        break;
    }
  }

  /** Connected: what setsockopt() asked for before now reaches Node. */
  private apply_options(): void {
    const o = this.owner?.options;
    if (!o) return;
    if (o.nodelay) this.option_changed("nodelay");
    if (o.keepalive) this.option_changed("keepalive");
  }

  /**
   * The peer's FIN: Node's "end" listener itself (`this` is Node's socket), not a shared function
   * calling a method. Run once per connection, each function of this path is compiled on its own
   * when it gets hot, a few thousand connections in (bench/README.md, the conn5 section).
   */
  private static on_end(this: NodeSocket): void {
    const c = (this as Tagged)[CONNECTION] as Connection;
    c.state |= EOF;
    c.owner?._endpoint_changed();
  }

  /** Node's socket closed (its "close" listener, as on_end): without a FIN first, the connection died. */
  private static on_close(this: NodeSocket): void {
    const c = (this as Tagged)[CONNECTION] as Connection;
    const st = c.state;
    if ((st & COUNTED) !== 0) accepted_closed();
    if ((st & FIN_SENT) !== 0) fin_waiting.delete(c);
    if ((st & (EOF | RELEASED)) === 0 && !c.dead) {
      c.die();
      c.owner?._endpoint_changed();
    }
  }

  private on_connect(): void {
    this.phase = CONNECTED;
    this.apply_options();
    this.owner?._endpoint_changed();
  }

  private on_data(chunk: Buffer): void {
    if (this.released) {
      if ((this.state & LINGERING) !== 0) this.data_after_close();
      return;
    }
    if (this.rd_shut) return;
    const was_empty = this.rbuf.length === 0;
    if (this.rbuf === NO_INPUT) this.rbuf = new ByteQueue();
    this.rbuf.push(chunk);
    if (this.rbuf.length >= this.recv_limit()) this.pause();
    if (was_empty) this.owner?._endpoint_changed();
  }

  private on_error(e: Error): void {
    if (this.released) return;
    this.die();
    const err = socket_error_from_node(e);
    if (this.owner) this.owner._endpoint_error(err);
    else {
      early_errors.set(this, err);
      this.state |= EARLY_ERROR;
    }
  }

  /**
   * How many received bytes are held before Node stops reading. Linux autotunes a receive buffer
   * nobody set up to tcp_rmem's maximum (6 MiB by default), as send_limit() does for sends: here
   * up to AUTOTUNED_RCVBUF, resuming at half of it, so that a reader slower than its peer costs
   * Node's readStop/readStart (two epoll_ctl calls) per 512 KiB read, not per 64 KiB chunk. An
   * SO_RCVBUF that was set is the limit itself.
   */
  private recv_limit(): number {
    const rcvbuf = this.owner?.options.rcvbuf ?? 0;
    return rcvbuf === DEFAULT_RCVBUF ? AUTOTUNED_RCVBUF : rcvbuf;
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.conn.pause();
    }
  }

  private resume_if_room(): void {
    if (this.paused && this.owner && this.rbuf.length < this.recv_limit()) {
      this.paused = false;
      this.conn.resume();
    }
  }

  /**
   * After a recv(): read again only once half of SO_RCVBUF (at most 64 KiB) is free, as Linux
   * opens a closed receive window only once a useful amount of room is free (silly window
   * avoidance). Resuming at the first free byte paused and resumed Node's socket (a
   * readStop/readStart, and their epoll_ctl calls) for every chunk of a bulk transfer.
   */
  private resume_after_read(): void {
    if (!this.paused || !this.owner) return;
    const rcvbuf = this.owner.options.rcvbuf;
    const resume_at = rcvbuf === DEFAULT_RCVBUF ? AUTOTUNED_RCVBUF >> 1 : rcvbuf - Math.min(rcvbuf >> 1, 65536);
    if (this.rbuf.length <= resume_at) {
      this.paused = false;
      this.conn.resume();
    }
  }

  /** recv(): up to n bytes; empty at end of stream; null when nothing is there yet. */
  read(n: number, peek: boolean): Buffer | null {
    if (this.rbuf.length > 0) {
      if (peek) return this.rbuf.peek_take(n);
      const out = this.rbuf.take(n);
      this.resume_after_read();
      // All input read while sends are carried: they leave at this tick's end, as end_batch()
      // let them go at the end of a tick that sent and read it all.
      if ((this.state & CARRYING) !== 0 && this.rbuf.length === 0) this.end_tick();
      return out;
    }
    // b'' at end of stream: one shared empty Buffer, as CPython shares its empty bytes.
    if (this.eof || this.dead || this.rd_shut) return EMPTY;
    return null;
  }

  get writable_now(): boolean {
    if (this.wr_shut || this.dead) return true;
    return this.queued < (this.owner?.options.sndbuf ?? 0);
  }

  /** Bytes send() took that Node has not yet handed to the kernel: its stream's and this tick's held ones. */
  private get queued(): number {
    return this.conn.writableLength + this.held_bytes;
  }

  /**
   * How many bytes send() may have queued in all. Linux autotunes a send buffer nobody set up to
   * tcp_wmem's maximum (4 MiB; CPython's loopback socket took 4.27 MB in one burst): while the
   * kernel under Node keeps up (Node holds nothing), one iteration's burst may go that far, so a
   * server answering a pipelined backlog is not refused where Linux would take it. Otherwise, and
   * for an SO_SNDBUF that was set, SO_SNDBUF. (The socket's SO_SNDBUF and Node's queued length are
   * passed in: send() reads each once.)
   */
  private static send_limit(sndbuf: number, node_queued: number): number {
    return sndbuf === DEFAULT_SNDBUF && node_queued === 0 ? AUTOTUNED_SNDBUF_MAX : sndbuf;
  }

  /**
   * send() of a stream socket: as many bytes as fit (send_limit()). The count taken while the
   * socket stays writable; -1 when none fit, or while connecting; -2 - n when the n bytes taken
   * made it unwritable (writable_now turned false: the socket notifies its watchers).
   */
  send(data: Buffer): number {
    let st = this.state;
    if ((st & PHASE) === CONNECTING) return -1;
    const len = data.length;
    const c = this.conn;
    // A later send of a tick whose sends are held needs no look at Node's stream: it is as the
    // tick's first send found it, since nothing reaches Node before end_batch() and each call of
    // ours that ends, resets or writes to Node's stream flushes `held` first (or comes after
    // release(), once send() raises EBADF). Only the room can have changed.
    const later_held = this.held !== null && (st & (SENT | WR_SHUT | RELEASED | PHASE)) === (SENT | CONNECTED);
    if (!later_held && ((st & WR_SHUT) !== 0 || this.dead || c.destroyed || c.writableEnded)) {
      throw os_error(EPIPE);
    }
    // Empty data after the checks: Linux raises EPIPE for it too, after a reset or a shutdown.
    if (len === 0) return 0;
    // SO_SNDBUF and Node's queued length, each read once (queued: node_queued + held_bytes).
    const sndbuf = this.owner?.options.sndbuf ?? 0;
    const node_queued = c.writableLength;
    const room = Connection.send_limit(sndbuf, node_queued) - (node_queued + this.held_bytes);
    if (room <= 0) {
      if (!this.blocked) {
        // Full without a write that filled it (SO_SNDBUF lowered): an empty write's callback
        // says when everything queued has left.
        this.blocked = true;
        c.write(EMPTY, this.on_written);
      }
      // No room: -1, which socket.send() raises as BlockingIOError (EAGAIN).
      return -1;
    }
    const chunk = len > room ? data.subarray(0, room) : data;
    const n = chunk.length;
    // A send that takes all the room blocks: its write's callback (write_cb()) says when it has left.
    const fills = n === room;
    if (fills) this.state = st |= BLOCKED;
    if ((st & CARRYING) !== 0) {
      // Held sends are carried (end_batch()): this one joins them, and while carrying goes on
      // as it is (input waits unread, under CARRY_MAX, writable) the carry's pending
      // carry_check() decides, after this turn's iteration, whether they wait for the next: no
      // end_batch() per tick. A send that ends the carry is the tick's, as before: its end
      // writes them.
      this.state = st | CARRY_SENT;
      (this.held as Buffer[]).push(chunk);
      this.held_bytes += n;
      if (!this.carries_on()) this.end_tick((st & CARRY_SENT) !== 0);
      return node_queued + this.held_bytes < sndbuf ? n : -2 - n;
    }
    if ((st & SENT) === 0) {
      this.state = st | SENT;
      nextTick(end_batch, this);
      // The first send of this tick goes straight out (one syscall, no batching cost), unless
      // the last tick sent several times or sends are being held for unread input (end_batch();
      // both only under the default, autotuned SO_SNDBUF, where holding cannot change what
      // send() takes) ...
      if (this.held === null && ((this.rbuf.length === 0 && (st & HOLD_FIRST) === 0) || sndbuf !== DEFAULT_SNDBUF)) {
        c.write(chunk, this.write_cb(node_queued, n, sndbuf));
        // Node may have taken it at once, or queued it: its stream is read again.
        return this.still_writable() ? n : -2 - n;
      }
    } else {
      this.state = st | SENT_AGAIN;
    }
    // ... and the rest of the iteration's sends leave together in one write.
    (this.held ??= []).push(chunk);
    this.held_bytes += n;
    // Held bytes are queued: unwritable once they reach SO_SNDBUF (writable_now, Node's stream unchanged).
    return node_queued + this.held_bytes < sndbuf ? n : -2 - n;
  }

  /**
   * The tick's end (once the loop iteration's handlers have all run): held sends leave in one
   * write. While received bytes wait unread, they may wait for the next iteration's sends
   * instead, up to CARRY_MAX: a program that answers each recv(8192) of a bulk transfer then
   * writes 64 KiB at a time, not 8 KiB (as Linux's autocorking coalesces sends queued behind
   * others). Not observable to the program: send() counts held bytes as queued, and a carry
   * never turns the socket unwritable. They leave at the first tick whose iteration did not send
   * again (carry_check()), so a channel that stops reading delays its output by one iteration
   * (PORTING.md, "The kernel's buffers are emulated above Node's").
   */
  private end_batch(): void {
    const st = this.state;
    // The last tick made several sends: its successor's first waits for the rest (hold_first).
    this.state = (st & SENT_AGAIN) !== 0 ? (st & ~(SENT | SENT_AGAIN)) | HOLD_FIRST : st & ~(SENT | SENT_AGAIN | HOLD_FIRST);
    if (this.held !== null && this.carries_on()) {
      // A check still pending (scheduled by a carry this check's turn has flushed since) stands
      // for this carry too: CARRY_SENT makes it wait for the next turn, as a new one would.
      this.state |= (this.state & CARRY_CHECK) === 0 ? CARRYING | CARRY_CHECK : CARRYING | CARRY_SENT;
      if ((st & CARRY_CHECK) === 0) setImmediate(carry_check, this);
      return;
    }
    this.flush_held();
  }

  /** Whether held sends may wait for the next iteration's: input waits unread, under CARRY_MAX, and holding them leaves the socket writable. */
  private carries_on(): boolean {
    return this.rbuf.length > 0 && this.held_bytes < CARRY_MAX && !this.released && this.writable_now;
  }

  /**
   * End this tick's batch at its end (end_batch()), unless this tick scheduled that already.
   * `again`: the carry had a send before this one (taken as this tick's, for hold_first).
   */
  private end_tick(again = false): void {
    const st = this.state;
    if ((st & SENT) === 0) {
      this.state = again ? st | SENT | SENT_AGAIN : st | SENT;
      nextTick(end_batch, this);
    } else if (again) {
      this.state = st | SENT_AGAIN;
    }
  }

  /**
   * A carry's next turn of Node's loop, after that turn's iteration: the held sends leave now,
   * unless the channel sent again since (a carried send, CARRY_SENT) and may go on carrying, in
   * which case they wait for the next turn's check, as end_batch() would have carried them at
   * the end of that send's tick.
   */
  private carry_check(): void {
    const st = this.state;
    this.state = st & ~(CARRY_CHECK | CARRY_SENT);
    // Flushed meanwhile (the tick that ended the carry, a shutdown, a close).
    if ((st & CARRYING) === 0) return;
    if ((st & CARRY_SENT) !== 0 && this.carries_on()) {
      this.state |= CARRY_CHECK;
      setImmediate(carry_check, this);
      return;
    }
    this.flush_held();
  }

  /** Hand this tick's held sends to Node, in one write; before an end() too, so that the FIN follows them. */
  private flush_held(): void {
    const held = this.held;
    if (held === null) return;
    const bytes = this.held_bytes;
    this.held = null;
    this.held_bytes = 0;
    // Whatever carried them is over; a pending carry_check() finds nothing to do.
    this.state &= ~(CARRYING | CARRY_SENT);
    // A connection reset since then drops them, as Linux drops its send queue on a reset.
    const c = this.conn;
    if (c.destroyed || c.writableEnded) return;
    const cb = this.write_cb(c.writableLength, bytes, this.owner?.options.sndbuf ?? 0);
    const n = held.length;
    if (n === 1) {
      c.write(held[0]!, cb);
    } else if (n <= WRITEV_MAX && bytes >= n * WRITEV_MIN_AVERAGE) {
      // A few large sends (a bulk echo's carried 8 KiB pieces) leave in one corked writev:
      // joining them would copy every byte into a fresh buffer.
      c.cork();
      for (let i = 0; i < n - 1; i++) c.write(held[i]!);
      c.write(held[n - 1]!, cb);
      c.uncork();
    } else {
      c.write(join(held, bytes), cb);
    }
    this.still_writable();
  }

  /**
   * The callback for a write of `bytes` behind `node_queued`: needed by a write that may be the
   * one whose flush makes the socket writable again, i.e. one behind others, one that may leave
   * SO_SNDBUF's worth queued (under the default SO_SNDBUF room is up to the autotuned 4 MiB
   * while Node's queue is empty), or any while blocked.
   */
  private write_cb(node_queued: number, bytes: number, sndbuf: number): (() => void) | undefined {
    return this.blocked || node_queued > 0 || bytes >= sndbuf ? this.on_written : undefined;
  }

  /** After a write to Node: false, and blocked (its write_cb() then tells the watchers), if it left the socket unwritable. */
  private still_writable(): boolean {
    if (this.writable_now) return true;
    this.blocked = true;
    return false;
  }

  /** The write callback, made on the first write that needs one (an idle connection never does). */
  private written_cb: (() => void) | null = null;
  private get on_written(): () => void {
    return (this.written_cb ??= () => {
      if (this.blocked && this.writable_now) {
        this.blocked = false;
        this.owner?._endpoint_changed();
      }
    });
  }

  shutdown_read(): void {
    this.rd_shut = true;
    if (this.paused) {
      this.paused = false;
      this.conn.resume();
    }
  }

  shutdown_write(): void {
    if (!this.wr_shut) {
      this.wr_shut = true;
      this.flush_held();
      if (!this.conn.destroyed) this.conn.end();
    }
  }

  /**
   * close(): the descriptor is gone, but what send() took is still flushed, then a FIN.
   * Linger 0 resets instead, as SO_LINGER {1, 0} does. As on Linux, a closed socket that had
   * unread bytes, or that receives more, resets the connection — here only once what send() took
   * has been handed to the kernel, so that close() still loses none of it.
   */
  release(): void {
    const linger = this.owner?.options.linger ?? null;
    this.flush_held();
    this.released = true;
    this.owner = null;
    const unread = this.rbuf.length > 0 && !this.rd_shut;
    this.rbuf = NO_INPUT;
    const c = this.conn;
    if (c.destroyed) return;
    if (!this.established) {
      c.destroy();
      return;
    }
    if (linger === 0) {
      reset_connection(c);
      return;
    }
    c.resume();
    if (this.eof && !unread) {
      // The peer's FIN came: nothing more can arrive and there is no FIN_WAIT2 to time, so
      // our FIN ends it (Node closes a half-open socket once both sides ended). No listener,
      // closure or timer per connection on this common path (the peer closed first).
      if (c.writableLength > 0) {
        c.ref();
        c.on("finish", unref_socket);
      }
      if (!c.writableEnded) c.end();
      return;
    }
    if (c.writableLength > 0) c.ref();
    if (unread) {
      // Linux answers close() with unread bytes by an RST instead of a FIN.
      c.on("data", noop);
      if (c.writableLength === 0) reset_connection(c);
      else c.write(EMPTY, () => reset_connection(c));
      return;
    }
    // FIN_WAIT: our FIN follows what is queued; data that arrives from now on (data_after_close())
    // resets the connection once the FIN is out, and fin_sent() starts the wait for the peer's.
    // The socket's shared listeners reach this Connection: no closure, listener wrapper or timer
    // per connection on this path, which every TLS handshake's close takes (close() comes before
    // Node has read the client's FIN).
    this.state |= LINGERING;
    // After shutdown(SHUT_WR) the FIN may be out already.
    if (c.writableFinished) this.fin_sent();
    else c.on("finish", on_fin_sent);
    if (!c.writableEnded) c.end();
  }

  /** Bytes arrived after close() (LINGERING): as on Linux, a reset, once everything send() took is out. */
  private data_after_close(): void {
    this.state |= DATA_AFTER_CLOSE;
    if ((this.state & FIN_SENT) !== 0) reset_connection(this.conn);
  }

  /** Our FIN left after close() (LINGERING): a reset if bytes came meanwhile, else FIN_WAIT2 until the peer's FIN. */
  private fin_sent(): void {
    this.state |= FIN_SENT;
    const c = this.conn;
    c.unref();
    if ((this.state & DATA_AFTER_CLOSE) !== 0) {
      reset_connection(c);
      return;
    }
    if (!c.destroyed) fin_wait(this);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The error of each connection that failed before it had an owner (Connection.on_error()), kept
 * until attach() reports it: rare, so a table rather than a field on every connection.
 */
const early_errors = new WeakMap<Connection, OSError>();

/** The receive queue of every connection that has received nothing yet (Connection.rbuf): always empty. */
const NO_INPUT = new ByteQueue();

/**
 * Held sends leave as one writev, without a copy, when there are at most WRITEV_MAX of at least
 * WRITEV_MIN_AVERAGE bytes each on average; otherwise they are joined (many small replies: a
 * writev leaves IOV_MAX buffers per libuv turn, and joining small ones costs little).
 */
const WRITEV_MAX = 64;
const WRITEV_MIN_AVERAGE = 4096;

/** The most that sends held for unread input (Connection.end_batch()) gather before they leave. */
const CARRY_MAX = 65536;

/**
 * Connection.state's flags of the carry (kept apart from the others above, high): held sends are
 * carried (end_batch() carried them and nothing flushed them since); a send joined them since the
 * last carry_check(); a carry_check() is scheduled.
 */
const CARRYING = 1 << 20;
const CARRY_SENT = 1 << 21;
const CARRY_CHECK = 1 << 22;

/** The most received bytes held unread while SO_RCVBUF is the default (Connection.recv_limit()). */
const AUTOTUNED_RCVBUF = 1024 * 1024;

/** Linux's tcp_wmem maximum, the most an autotuned send buffer grows to. */
const AUTOTUNED_SNDBUF_MAX = 4 * 1024 * 1024;

function noop(): void {}

/**
 * Buffer.concat(held, bytes) without its per-piece checks and copy helper: each piece is a Buffer
 * that send() took, so one `set` copies it. That `set` (~170 instructions for a 32-byte reply)
 * is most of the cost and stays; ~30 instructions per piece go.
 */
function join(pieces: Buffer[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Connections closed before the peer's FIN, whose FIN is out (Connection.fin_sent()), each with
 * the time (performance.now()) at which it is torn down if the peer's FIN has not come: Linux's
 * FIN_WAIT2 timeout. In order of that time, since every connection waits FIN_WAIT_MS. A
 * connection leaves when its Node socket closes (the peer's FIN came; Connection.on_close()).
 */
const fin_waiting = new Map<Connection, number>();

/**
 * One timer for all of fin_waiting, due at its first connection's time, rather than one per
 * connection (and a 'close' listener to clear it). unref'd: a connection waiting for the peer's
 * FIN does not keep the process alive, as its own timer did not. Left to run out when the map
 * empties (it then finds nothing to do): connections enter and leave it all the time on a busy
 * server, and re-arming it each time would cost what one timer per connection cost.
 */
let fin_wait_timer: ReturnType<typeof setTimeout> | null = null;
/** When fin_wait_timer is due (performance.now()). */
let fin_wait_due = 0;

function fin_wait(c: Connection): void {
  const now = performance.now();
  fin_waiting.set(c, now + FIN_WAIT_MS);
  // A timer a whole FIN_WAIT_MS overdue was lost (made on a fake clock that was then taken away,
  // as a test's sinon does): one more would otherwise never be armed in this process.
  if (fin_wait_timer === null || now > fin_wait_due + FIN_WAIT_MS) arm_fin_wait(now, FIN_WAIT_MS);
}

function arm_fin_wait(now: number, ms: number): void {
  if (fin_wait_timer !== null) clearTimeout(fin_wait_timer);
  fin_wait_timer = setTimeout(fin_wait_sweep, ms).unref();
  fin_wait_due = now + ms;
}

/** Tear down the connections whose FIN_WAIT2 time has come; wait again for the next one's. */
function fin_wait_sweep(): void {
  fin_wait_timer = null;
  const now = performance.now();
  for (const [c, deadline] of fin_waiting) {
    // Node's timer may fire up to a turn of its loop early by this clock (it counts from the
    // turn's cached start): never before the connection's full FIN_WAIT_MS.
    if (deadline > now) {
      arm_fin_wait(now, deadline - now);
      return;
    }
    fin_waiting.delete(c);
    c.conn.destroy();
  }
}

function unref_socket(this: NodeSocket): void {
  this.unref();
}

/**
 * Abort a connection as close() with SO_LINGER {1, 0} does: an RST for TCP. Node can reset only TCP
 * handles (resetAndDestroy throws ERR_INVALID_HANDLE_TYPE for a pipe), so an AF_UNIX one is destroyed.
 */
export function reset_connection(c: NodeSocket): void {
  if (c.destroyed) return;
  try {
    c.resetAndDestroy();
  } catch {
    c.destroy();
  }
}

(Connection.prototype as { kind: string }).kind = "stream";
