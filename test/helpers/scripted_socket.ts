// A socket stand-in whose send() answers from a script (take n bytes, block, reset, EIO), logging each call: for differential output tests against CPython.
import {
  BlockingIOError, ConnectionResetError, EAGAIN, ECONNRESET, EIO, OSError,
} from "../../src/errno/index.js";

/** What the next send() does: take up to n bytes, or raise. An unscripted send blocks. */
export type answer = number | "block" | "reset" | "eio";

/** One logged call, as JSON both sides print. */
export type event = (string | number | null)[];

export class scripted_socket {
  script: answer[] = [];
  constructor(
    private readonly log: event[],
    /** How a send's data is written into the log (hex, or a digest for large sends). */
    private readonly show: (data: Uint8Array) => string = (d) => Buffer.from(d).toString("hex"),
  ) {}
  send(data: Uint8Array): number {
    const a = this.script.shift() ?? "block";
    this.log.push(["send", this.show(data), a]);
    if (a === "block") throw new BlockingIOError(EAGAIN, "Resource temporarily unavailable");
    if (a === "reset") throw new ConnectionResetError(ECONNRESET, "Connection reset by peer");
    if (a === "eio") throw new OSError(EIO, "Input/output error");
    return Math.min(a, data.length);
  }
  fileno(): number {
    return 1000;
  }
  recv(): Buffer {
    throw new BlockingIOError(EAGAIN);
  }
  close(): void {}
  getsockopt(): number {
    return 0;
  }
}
