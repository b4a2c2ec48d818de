// A child program for connection.test.ts: Connections closed before the peer's FIN, on a fake clock in a fresh process; prints what happened when, as JSON.
//
// A process of its own because the FIN_WAIT2 sweeper is one module-level timer: in the test
// process an earlier test's connection may have armed it on the real clock.
import * as net from "node:net";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import sinon from "sinon";
import { Connection } from "../../src/socket/connection.js";
import { quiet_owner } from "../helpers/endpoint_owner.js";


/** Every event seen, with the fake clock's time: "<name> <event> <ms>". */
const log: string[] = [];

async function main(): Promise<void> {
  // The peer's side stays half-open: after our FIN it sends no FIN of its own unless told to.
  const server = net.createServer({ allowHalfOpen: true });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  const peers = new Map<string, net.Socket>();
  const nodes = new Map<string, net.Socket>();
  const conns = new Map<string, Connection>();

  async function open(name: string): Promise<void> {
    const accepted = once(server, "connection");
    const node = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    await once(node, "connect");
    const [peer] = (await accepted) as [net.Socket];
    peer.on("data", () => {});
    peer.on("error", () => {});
    // e and f close in the same sweep, in an order Node does not promise: their closes are awaited, not logged.
    if (name < "e") node.on("close", () => log.push(`${name} close ${clock.now}`));
    const conn = new Connection(node, true);
    conn.attach(quiet_owner);
    peers.set(name, peer);
    nodes.set(name, node);
    conns.set(name, conn);
  }

  /** close() of the Connection; resolves once our FIN is out (Node's 'finish', after the Connection's own listener). */
  async function close(name: string): Promise<void> {
    const node = nodes.get(name)!;
    const finished = node.writableFinished ? Promise.resolve() : once(node, "finish");
    conns.get(name)!.release();
    await finished;
    log.push(`${name} fin ${clock.now}`);
  }

  for (const name of ["a", "b", "c", "d", "e", "f"]) await open(name);
  let clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  // connection.ts reads the clock through node:perf_hooks's object, which the fake global does not replace.
  const now = sinon.stub(performance, "now").callsFake(() => clock.now);

  await close("a"); // at 0: torn down at 60,000
  clock.tick(30_000);
  await close("b"); // at 30,000: torn down at 90,000
  await close("c"); // at 30,000, but the peer's FIN comes: it closes then, and the sweeper leaves it alone
  const c_closed = once(nodes.get("c")!, "close");
  peers.get("c")!.end();
  await c_closed;
  clock.tick(29_999);
  log.push(`a destroyed ${nodes.get("a")!.destroyed} ${clock.now}`);
  clock.tick(1);
  log.push(`a destroyed ${nodes.get("a")!.destroyed} ${clock.now}`);
  await once(nodes.get("a")!, "close");
  // shutdown(SHUT_WR) first: the FIN is out before close(), whose wait starts at once.
  conns.get("d")!.shutdown_write();
  await once(nodes.get("d")!, "finish");
  clock.tick(15_000);
  await close("d"); // at 75,000: torn down at 135,000
  clock.tick(14_999);
  log.push(`b destroyed ${nodes.get("b")!.destroyed} ${clock.now}`);
  clock.tick(1);
  log.push(`b destroyed ${nodes.get("b")!.destroyed} ${clock.now}`);
  await once(nodes.get("b")!, "close");
  clock.tick(44_999);
  log.push(`d destroyed ${nodes.get("d")!.destroyed} ${clock.now}`);
  clock.tick(1);
  log.push(`d destroyed ${nodes.get("d")!.destroyed} ${clock.now}`);
  await once(nodes.get("d")!, "close");
  log.push(`timers ${clock.countTimers()}`);
  // The sweeper's timer made on a fake clock that is then taken away never fires: the first close
  // a whole 60 s after it was due arms one on the clock of the time.
  await close("e"); // at 135,000 on this clock, whose timer (due at 195,000) is lost with it
  clock.restore();
  clock = sinon.useFakeTimers({ now: 300_000, toFake: ["setTimeout", "clearTimeout", "performance"] });
  await close("f"); // at 300,000: e overdue, f due at 360,000
  clock.tick(59_999);
  log.push(`e f destroyed ${nodes.get("e")!.destroyed} ${nodes.get("f")!.destroyed} ${clock.now}`);
  clock.tick(1);
  log.push(`e f destroyed ${nodes.get("e")!.destroyed} ${nodes.get("f")!.destroyed} ${clock.now}`);
  await Promise.all([once(nodes.get("e")!, "close"), once(nodes.get("f")!, "close")]);
  log.push(`timers ${clock.countTimers()}`);
  clock.restore();
  now.restore();
  for (const p of peers.values()) p.destroy();
  server.close();
  process.stdout.write(JSON.stringify(log));
}

void main();
