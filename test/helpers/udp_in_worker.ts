// A cluster worker that binds an emulated UDP socket and echoes one datagram to itself: prints what it saw, for test/socket/datagram_cluster.test.ts.
import cluster from "node:cluster";
import { AF_INET, POLLIN, SOCK_DGRAM, socket } from "../../src/socket/index.js";

if (cluster.isPrimary) {
  const w = cluster.fork();
  w.on("exit", (code) => process.exit(code ?? 1));
} else {
  const s = new socket(AF_INET, SOCK_DGRAM);
  s.bind(["127.0.0.1", 0]);
  const [host, port] = s.getsockname() as [string, number];
  s.sendto(Buffer.from("ping"), [host, port]);
  // Readiness is pushed to watchers: read once the datagram is there.
  const on_ready = { changed: (): void => read() };
  const read = (): void => {
    if ((s.poll_flags() & POLLIN) === 0) return;
    s.unwatch(on_ready);
    const [data] = s.recvfrom(100);
    console.log(JSON.stringify({ host, port, data: data.toString() }));
    s.close();
    process.exit(0);
  };
  s.watch(on_ready);
  read();
}
