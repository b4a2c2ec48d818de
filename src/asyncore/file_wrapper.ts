// asyncore.file_wrapper: a pipe, tty, file or Node stream seen as a socket-like descriptor.
import {
  closeSync, constants as fsc, fstatSync, openSync, readFileSync, readSync, writeSync,
} from "node:fs";
import { Socket as NodeSocket } from "node:net";
import type { Readable, Writable } from "node:stream";
import {
  EAGAIN, EBADF, from_node_error, NotImplementedError, os_error, type OSError,
} from "../errno/index.js";
import {
  allocate_fd, as_buffer, release_fd, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, Pollable,
  SOL_SOCKET, SO_ERROR, type BytesLike,
} from "../socket/index.js";
import { ByteQueue } from "../socket/byte_queue.js";
import { py_type } from "../socket/bytes.js";

/** What file_wrapper/file_dispatcher accept: an OS fd, an object with fileno(), or Node streams. */
export type FileSource =
  | number
  | { fileno(): number }
  | Readable
  | Writable
  | { readonly readable?: Readable; readonly writable?: Writable };

/** How much a wrapper buffers each way before it stops reading / says it is not writable. */
const PIPE_BUF_SIZE = 65536;

function is_readable(x: unknown): x is Readable {
  return typeof (x as Readable)?.read === "function" && typeof (x as Readable)?.on === "function";
}

function is_writable(x: unknown): x is Writable {
  return typeof (x as Writable)?.write === "function" && typeof (x as Writable)?.on === "function";
}

/** The open flags and offset of an fd, from Linux's /proc/self/fdinfo (O_RDWR, offset 0 if unknown). */
function fd_info(fd: number): { flags: number; pos: number } {
  try {
    const text = readFileSync(`/proc/self/fdinfo/${fd}`, "latin1");
    const flags = /^flags:\s*([0-7]+)/m.exec(text);
    const pos = /^pos:\s*(\d+)/m.exec(text);
    return { flags: flags ? parseInt(flags[1] as string, 8) : fsc.O_RDWR, pos: pos ? Number(pos[1]) : 0 };
  } catch {
    return { flags: fsc.O_RDWR, pos: 0 };
  }
}

export class file_wrapper extends Pollable {
  private vfd: number;
  private readonly rbuf = new ByteQueue();
  private eof = false;
  private err: OSError | null = null;
  private reader: Readable | null = null;
  private writer: Writable | null = null;
  /** A regular file: read and written in place, always ready (as Linux reports files). */
  private file_fd: number | null = null;
  /** The file offset of file_fd (null: appending, the kernel picks the offset). */
  private file_pos: number | null = null;
  /** Streams this wrapper made itself (from an fd) and so destroys on close. */
  private owned = false;
  private paused = false;
  private readonly listeners: Array<[NodeJS.EventEmitter, string, (...a: never[]) => void]> = [];

  constructor(source: FileSource) {
    super();
    // Python's file_wrapper takes an int (os.dup); a stream or {readable, writable} is this package's addition.
    if (typeof source !== "object" || source === null) {
      if (typeof source !== "number" || !Number.isInteger(source)) {
        throw new TypeError(`'${py_type(source)}' object cannot be interpreted as an integer`);
      }
      if (source < 0) throw os_error(EBADF);
    }
    if (typeof source === "number" || (typeof source === "object" && source !== null && "fileno" in source && typeof source.fileno === "function" && !is_readable(source) && !is_writable(source))) {
      const fd = typeof source === "number" ? source : (source as { fileno(): number }).fileno();
      this.open_fd(fd);
    } else if (is_readable(source) || is_writable(source)) {
      if (is_readable(source)) this.attach_reader(source);
      if (is_writable(source)) this.attach_writer(source);
    } else {
      const pair = source as { readable?: Readable; writable?: Writable };
      if (pair.readable) this.attach_reader(pair.readable);
      if (pair.writable) this.attach_writer(pair.writable);
    }
    this.vfd = allocate_fd(this);
  }

  private open_fd(fd: number): void {
    if (fd === 0) return this.attach_reader(process.stdin);
    if (fd === 1) return this.attach_writer(process.stdout);
    if (fd === 2) return this.attach_writer(process.stderr);
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw from_node_error(e);
    }
    // Python dups the fd so that closing the wrapper leaves the caller's open (and the other
    // way round). Node has no dup(); a fresh open of /proc/self/fd/N with the same access
    // mode stands in for it. The mode must match: a read end reopened read-write would hold
    // a write end of the pipe too, and the reader would never see end of file.
    const { flags, pos } = fd_info(fd);
    const access = flags & (fsc.O_RDONLY | fsc.O_WRONLY | fsc.O_RDWR);
    const append = flags & fsc.O_APPEND;
    if (st.isFile()) {
      this.file_fd = openSync(`/proc/self/fd/${fd}`, access | append);
      // A dup shares the offset; a reopen starts at 0, so carry the offset over.
      this.file_pos = append ? null : pos;
      return;
    }
    // A pipe or socket.
    let own = fd;
    try {
      own = openSync(`/proc/self/fd/${fd}`, access | fsc.O_NONBLOCK);
    } catch {
      own = fd; // a socket cannot be reopened: use the fd itself
    }
    const readable = access !== fsc.O_WRONLY;
    const writable = access !== fsc.O_RDONLY;
    const s = new NodeSocket({ fd: own, readable, writable, allowHalfOpen: true });
    this.owned = true;
    if (readable) this.attach_reader(s);
    else s.on("error", () => undefined);
    if (writable) this.attach_writer(s);
  }

  private on(s: NodeJS.EventEmitter, ev: string, f: (...a: never[]) => void): void {
    s.on(ev, f as (...a: unknown[]) => void);
    this.listeners.push([s, ev, f]);
  }

  private attach_reader(r: Readable): void {
    this.reader = r;
    this.on(r, "data", (chunk: Buffer | string) => {
      const was_empty = this.rbuf.length === 0;
      this.rbuf.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      if (this.rbuf.length >= PIPE_BUF_SIZE && !this.paused) {
        this.paused = true;
        r.pause();
      }
      if (was_empty) this.notify();
    });
    this.on(r, "end", () => {
      this.eof = true;
      this.notify();
    });
    this.on(r, "error", (e: Error) => {
      this.err = from_node_error(e);
      this.notify();
    });
    r.resume();
  }

  private attach_writer(w: Writable): void {
    this.writer = w;
    if (w !== (this.reader as unknown)) {
      this.on(w, "error", (e: Error) => {
        this.err = from_node_error(e);
        this.notify();
      });
    }
    this.on(w, "drain", () => this.notify());
  }

  get fd(): number {
    return this.vfd;
  }

  fileno(): number {
    return this.vfd;
  }

  poll_flags(): number {
    if (this.vfd < 0) return POLLNVAL;
    if (this.file_fd !== null) return POLLIN | POLLOUT;
    let f = this.err ? POLLERR : 0;
    if (this.rbuf.length > 0) f |= POLLIN;
    // A pipe whose writer is gone: POLLHUP, as Linux's pipe_poll says.
    if (this.eof) f |= POLLHUP;
    const w = this.writer;
    if (w && !w.destroyed && w.writableLength < PIPE_BUF_SIZE) f |= POLLOUT;
    return f;
  }

  /** os.read(): up to n bytes, empty at end of file, BlockingIOError when nothing is there. */
  recv(n: number): Buffer {
    if (this.vfd < 0) throw os_error(EBADF);
    if (this.file_fd !== null) {
      const out = Buffer.allocUnsafe(n);
      const k = readSync(this.file_fd, out, 0, n, this.file_pos);
      if (this.file_pos !== null) this.file_pos += k;
      return out.subarray(0, k);
    }
    if (this.rbuf.length > 0) {
      const out = this.rbuf.take(n);
      if (this.paused && this.rbuf.length < PIPE_BUF_SIZE) {
        this.paused = false;
        this.reader?.resume();
      }
      return out;
    }
    if (this.err) {
      const e = this.err;
      this.err = null;
      throw e;
    }
    if (this.eof || !this.reader) {
      if (!this.reader) throw os_error(EBADF);
      return Buffer.alloc(0);
    }
    throw os_error(EAGAIN);
  }

  /** os.write(): the bytes taken; BlockingIOError when the pipe is full. */
  send(data: BytesLike): number {
    if (this.vfd < 0) throw os_error(EBADF);
    const buf = as_buffer(data);
    if (this.file_fd !== null) {
      const k = writeSync(this.file_fd, buf, 0, buf.length, this.file_pos);
      if (this.file_pos !== null) this.file_pos += k;
      return k;
    }
    const w = this.writer;
    if (!w) throw os_error(EBADF);
    if (this.err) {
      const e = this.err;
      this.err = null;
      throw e;
    }
    const room = PIPE_BUF_SIZE - w.writableLength;
    if (room <= 0) throw os_error(EAGAIN);
    const chunk = buf.length > room ? buf.subarray(0, room) : buf;
    w.write(chunk);
    return chunk.length;
  }

  read(n: number): Buffer {
    return this.recv(n);
  }

  write(data: BytesLike): number {
    return this.send(data);
  }

  getsockopt(level: number, optname: number, buflen?: number): number {
    if (level === SOL_SOCKET && optname === SO_ERROR && !buflen) return 0;
    throw new NotImplementedError("Only asyncore specific behaviour implemented.");
  }

  close(): void {
    if (this.vfd < 0) return;
    release_fd(this.vfd);
    this.vfd = -1;
    for (const [s, ev, f] of this.listeners) s.removeListener(ev, f as (...a: unknown[]) => void);
    this.listeners.length = 0;
    if (this.file_fd !== null) closeSync(this.file_fd);
    if (this.owned) {
      // Our own stream over the reopened fd. Keep an error listener: it may still report one
      // after we let go. What write() took is flushed first, as the kernel pipe would keep it.
      const s = (this.reader ?? this.writer) as NodeSocket;
      s.on("error", () => undefined);
      if (this.writer && this.writer.writableLength > 0) {
        this.reader?.pause();
        s.once("finish", () => s.destroy());
        s.end();
      } else {
        s.destroy();
      }
    } else if (this.reader && this.reader !== process.stdin) {
      this.reader.pause();
    } else if (this.reader === process.stdin) {
      process.stdin.pause();
    }
    this.rbuf.clear();
    this.notify();
  }
}
