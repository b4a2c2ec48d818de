// Benchmark servers on plain node:net, the baseline: echo, chat_line (batched), chat_bulk.
import { createServer, type Socket } from "node:net";

const kind = process.argv[2];
const NL = 0x0a;

function line_echo(c: Socket): void {
  let held: Buffer | null = null;
  c.on("data", (chunk: Buffer) => {
    // One write per chunk holding every complete line: the batching raw Node code does.
    const data = held ? Buffer.concat([held, chunk]) : chunk;
    const last = data.lastIndexOf(NL);
    if (last < 0) {
      held = data;
      return;
    }
    c.write(data.subarray(0, last + 1));
    held = last + 1 < data.length ? data.subarray(last + 1) : null;
  });
}

const server = createServer((c) => {
  c.on("error", () => undefined);
  if (kind === "chat_line") line_echo(c);
  else c.on("data", (d) => c.write(d));
});
server.on("error", (e) => {
  console.error(e);
  process.exit(1);
});
server.listen(0, "127.0.0.1", 1024, () => {
  const a = server.address();
  console.log(typeof a === "object" && a ? a.port : 0);
});
