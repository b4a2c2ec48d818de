// Fresh (unconnected) stream sockets for a describe block, closed after each of its tests.
import * as socket from "../../src/socket/index.js";

/**
 * Call inside a describe: registers an afterEach that closes every socket made, and returns
 * fresh(n), which makes n new stream sockets (descriptors with no connection).
 */
export function fresh_sockets(): (n: number) => socket.socket[] {
  const open: socket.socket[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  return (n) => {
    const made = Array.from({ length: n }, () => new socket.socket());
    open.push(...made);
    return made;
  };
}
