// Plain Node clients for testing the examples: a line client over node:net with bounded
// waits, a "read everything until the peer closes" helper, and a child-process runner.
import * as net from "node:net";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/** Reject with a clear message if `p` has not settled within `ms`. */
export function with_timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

type Address = readonly [string, number, ...unknown[]];

interface waiter {
  check(): boolean;
  reject(err: Error): void;
}

/**
 * A client that sees the server's output as lines ("\n"-separated, a trailing "\r" removed).
 * Every wait is bounded; `error` listeners are installed before connecting.
 */
export class LineClient {
  readonly sock: net.Socket;
  /** Every byte received, in order. */
  raw: Buffer = Buffer.alloc(0);
  /** Complete lines not yet taken by read_line(). */
  readonly lines: string[] = [];
  ended = false;
  closed = false;
  error: Error | null = null;
  private partial = "";
  private readonly waiters = new Set<waiter>();
  private readonly connected: Promise<void>;

  private constructor(host: string, port: number) {
    this.sock = new net.Socket({ allowHalfOpen: true });
    this.sock.on("error", (e) => {
      this.error = e;
      this.wake();
    });
    this.connected = new Promise<void>((resolve, reject) => {
      this.sock.once("connect", () => resolve());
      this.sock.once("error", reject);
    });
    this.sock.on("data", (chunk: Buffer) => {
      this.raw = Buffer.concat([this.raw, chunk]);
      const parts = (this.partial + chunk.toString("utf8")).split("\n");
      this.partial = parts.pop()!;
      for (const p of parts) this.lines.push(p.endsWith("\r") ? p.slice(0, -1) : p);
      this.wake();
    });
    this.sock.on("end", () => {
      this.ended = true;
      this.wake();
    });
    this.sock.on("close", () => {
      this.closed = true;
      this.wake();
    });
    this.sock.connect(port, host);
  }

  static async connect(addr: Address, timeout = 5000): Promise<LineClient> {
    const c = new LineClient(addr[0], addr[1]);
    await with_timeout(c.connected, timeout, `connect to ${addr[0]}:${addr[1]}`);
    return c;
  }

  private wake(): void {
    for (const w of [...this.waiters]) {
      if (w.check()) this.waiters.delete(w);
    }
  }

  /** Resolve when `pred()` returns a value other than undefined; reject on timeout. */
  wait_for<T>(pred: () => T | undefined, timeout: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout;
      const w: waiter = {
        check: () => {
          let v: T | undefined;
          try {
            v = pred();
          } catch (e) {
            clearTimeout(timer);
            reject(e as Error);
            return true;
          }
          if (v === undefined) return false;
          clearTimeout(timer);
          resolve(v);
          return true;
        },
        reject,
      };
      if (w.check()) return;
      timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; unread lines: ${JSON.stringify(this.lines)}`));
      }, timeout);
      this.waiters.add(w);
    });
  }

  /** The next line; rejects if the connection ends first or on timeout. */
  read_line(timeout = 5000): Promise<string> {
    return this.wait_for(
      () => {
        if (this.lines.length) return this.lines.shift()!;
        if (this.ended || this.closed) throw new Error(`connection ended while waiting for a line (partial ${JSON.stringify(this.partial)})`);
        return undefined;
      },
      timeout,
      "a line",
    );
  }

  /** Skip lines until one matches; returns it (the skipped lines are dropped). */
  async read_until(match: (line: string) => boolean, timeout = 5000): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const line = await this.read_line(Math.max(1, deadline - Date.now()));
      if (match(line)) return line;
    }
  }

  /** An SMTP-style reply: lines until one whose 4th character is a space. */
  async read_reply(timeout = 5000): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + timeout;
    for (;;) {
      const line = await this.read_line(Math.max(1, deadline - Date.now()));
      out.push(line);
      if (line.length < 4 || line[3] !== "-") return out;
    }
  }

  write(data: string | Buffer): void {
    this.sock.write(data);
  }

  send_line(line: string): void {
    this.sock.write(`${line}\r\n`);
  }

  /** Resolve once the peer has ended its side (FIN) or the socket closed. */
  wait_end(timeout = 5000): Promise<void> {
    return this.wait_for(() => (this.ended || this.closed ? true : undefined), timeout, "the end of the stream").then(() => undefined);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Connect, read until the server closes, return everything received. */
export async function read_all(addr: Address, timeout = 5000): Promise<Buffer> {
  const c = await LineClient.connect(addr, timeout);
  try {
    await c.wait_end(timeout);
    if (c.error) throw c.error;
    return c.raw;
  } finally {
    c.close();
  }
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A child process whose output is collected; `wait_stdout` waits for text to appear,
 * `done` resolves when it exits. Call kill() in cleanup.
 */
export class Child {
  readonly proc: ChildProcess;
  stdout = "";
  stderr = "";
  exited: ChildResult | null = null;
  readonly done: Promise<ChildResult>;
  private readonly watchers = new Set<() => void>();

  constructor(cmd: string, args: string[], opts: SpawnOptions = {}) {
    this.proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...opts });
    this.proc.stdin?.on("error", () => undefined);
    this.proc.stdout?.setEncoding("utf8");
    this.proc.stderr?.setEncoding("utf8");
    this.proc.stdout?.on("data", (s: string) => {
      this.stdout += s;
      this.notify();
    });
    this.proc.stderr?.on("data", (s: string) => {
      this.stderr += s;
      this.notify();
    });
    this.done = new Promise<ChildResult>((resolve) => {
      this.proc.on("error", (e) => {
        this.stderr += `spawn error: ${e.message}\n`;
        this.exited = { code: null, signal: null, stdout: this.stdout, stderr: this.stderr };
        this.notify();
        resolve(this.exited);
      });
      this.proc.on("close", (code, signal) => {
        this.exited = { code, signal, stdout: this.stdout, stderr: this.stderr };
        this.notify();
        resolve(this.exited);
      });
    });
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }

  /** Resolve when stdout satisfies `pred`; reject on timeout or if the child exits first. */
  wait_stdout(pred: (stdout: string) => boolean, timeout: number, what: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const w = (): void => {
        if (pred(this.stdout)) {
          this.watchers.delete(w);
          clearTimeout(timer);
          resolve(this.stdout);
        } else if (this.exited) {
          this.watchers.delete(w);
          clearTimeout(timer);
          reject(new Error(`child exited (${this.exited.code ?? this.exited.signal}) before ${what}; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`));
        }
      };
      this.watchers.add(w);
      timer = setTimeout(() => {
        this.watchers.delete(w);
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; stdout ${JSON.stringify(this.stdout)}, stderr ${JSON.stringify(this.stderr)}`));
      }, timeout);
      w();
    });
  }

  write(s: string): void {
    this.proc.stdin?.write(s);
  }

  end_stdin(): void {
    this.proc.stdin?.end();
  }

  kill(): void {
    if (!this.exited) this.proc.kill("SIGKILL");
  }
}
