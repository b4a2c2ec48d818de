// Preloaded (node --import) into a child process: every server's "connection" event is held until
// a client socket of the process has emitted "connect", then delivered on the next turn. The
// process sees its client connected before its server sees the connection, an order the kernel
// may also pick under load (normally the server's side comes first).
import net from "node:net";

type Emit = (this: object, event: string | symbol, ...args: unknown[]) => boolean;

const held: Array<() => void> = [];
let connected = false;

const server_emit = net.Server.prototype.emit as Emit;
net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === "connection" && !connected) {
    held.push(() => server_emit.call(this, event, ...args));
    return true;
  }
  return server_emit.call(this, event, ...args);
} as typeof net.Server.prototype.emit;

const socket_emit = net.Socket.prototype.emit as Emit;
net.Socket.prototype.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
  const r = socket_emit.call(this, event, ...args);
  if (event === "connect") {
    connected = true;
    setImmediate(() => {
      connected = false;
      for (const deliver of held.splice(0)) deliver();
    });
  }
  return r;
} as typeof net.Socket.prototype.emit;
