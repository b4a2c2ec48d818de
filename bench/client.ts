// The bench clients' two socket moves: open a loopback connection, and read n bytes of echo back.
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
