// What the bench clients do on a socket: open a loopback connection, read n bytes of echo, keep lines in flight.
import { connect, type Socket } from "node:net";

/** A connected loopback client with Nagle off (the bench measures the server, not batching). */
export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connect(port, "127.0.0.1", () => resolve(c));
    c.setNoDelay(true);
    c.on("error", reject);
  });
}

/** Resolves once n bytes of echo have arrived, counting only. */
export function drain(c: Socket, n: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const on = (d: Buffer): void => {
      got += d.length;
      if (got >= n) {
        c.off("data", on);
        resolve();
      }
    };
    c.on("data", on);
  });
}

/** The bench's line: 32 bytes, newline-terminated. */
export const LINE = Buffer.from("x".repeat(31) + "\n");

/** Keeps `window` LINEs in flight on `c` until `count` have come back. */
export function pipeline(c: Socket, count: number, window = 16): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let got = 0;
    const send = (k: number): void => {
      k = Math.min(k, count - sent);
      if (k <= 0) return;
      c.write(k === 1 ? LINE : Buffer.concat(Array.from({ length: k }, () => LINE)));
      sent += k;
    };
    const on = (d: Buffer): void => {
      const before = Math.floor(got / LINE.length);
      got += d.length;
      if (got >= count * LINE.length) {
        c.off("data", on);
        resolve();
        return;
      }
      send(Math.floor(got / LINE.length) - before);
    };
    c.on("data", on);
    send(window);
  });
}
