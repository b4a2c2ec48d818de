// Urgent data: SO_OOBINLINE is accepted and kept, recv(MSG_OOB) fails as on Linux, and what a CPython client's MSG_OOB send delivers.
import { spawn } from "node:child_process";
import { expect } from "chai";
import { async_chat } from "../../src/asynchat/index.js";
import * as asyncore from "../../src/asyncore/index.js";
import { EINVAL } from "../../src/errno/index.js";
import {
  AF_INET, MSG_OOB, SOCK_STREAM, SOL_SOCKET, SO_OOBINLINE, socket,
} from "../../src/socket/index.js";
import { loop_until } from "../helpers/asyncore.js";
import { FAMILIES, accept_one, listening_socket, recv_all, thrown } from "../helpers/net.js";
import { python3_or_skip } from "../helpers/python.js";

const IPV4 = FAMILIES[0]!;

/** A CPython client: "USER x\r\n", then ftplib.abort()'s "ABOR\r\n" sent with MSG_OOB, then "QUIT\r\n". */
function cpython_abort_client(py: string, port: number): Promise<number | null> {
  const script = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"USER x\\r\\n")
s.sendall(b"ABOR\\r\\n", socket.MSG_OOB)
s.sendall(b"QUIT\\r\\n")
s.shutdown(socket.SHUT_WR)
s.recv(10)
s.close()
`;
  const child = spawn(py, ["-c", script, String(port)], { stdio: "inherit" });
  return new Promise((resolve) => child.on("close", (code) => resolve(code)));
}

describe("socket/urgent data (SO_OOBINLINE, MSG_OOB)", () => {
  it("setsockopt(SOL_SOCKET, SO_OOBINLINE, 1) is accepted and getsockopt returns it (default 0)", () => {
    const s = new socket(AF_INET, SOCK_STREAM);
    try {
      expect(SO_OOBINLINE).to.equal(10);
      expect(s.getsockopt(SOL_SOCKET, SO_OOBINLINE)).to.equal(0);
      s.setsockopt(SOL_SOCKET, SO_OOBINLINE, 1);
      expect(s.getsockopt(SOL_SOCKET, SO_OOBINLINE)).to.equal(1);
      s.setsockopt(SOL_SOCKET, SO_OOBINLINE, 0);
      expect(s.getsockopt(SOL_SOCKET, SO_OOBINLINE)).to.equal(0);
    } finally {
      s.close();
    }
  });

  it("recv(n, MSG_OOB) raises EINVAL, as Linux does with SO_OOBINLINE or with no urgent byte waiting", async () => {
    const fresh = new socket(AF_INET, SOCK_STREAM);
    expect(thrown(() => fresh.recv(1, MSG_OOB)).errno).to.equal(EINVAL);
    fresh.close();
    const l = listening_socket(IPV4);
    const c = new socket(AF_INET, SOCK_STREAM);
    try {
      c.connect_ex(l.getsockname());
      const [a] = await accept_one(l);
      try {
        a.setsockopt(SOL_SOCKET, SO_OOBINLINE, 1);
        expect(thrown(() => a.recv(1, MSG_OOB)).errno).to.equal(EINVAL);
        expect(thrown(() => a.recv(1)).errno).to.not.equal(EINVAL); // EAGAIN: the flag alone is refused
      } finally {
        a.close();
      }
    } finally {
      c.close();
      l.close();
    }
  });

  it("a CPython client's MSG_OOB send: Linux keeps its last byte out of band, where Node cannot read it", async function () {
    // CPython with SO_OOBINLINE set receives b"USER x\r\nABOR\r\nQUIT\r\n"; Node cannot set the
    // option on its kernel socket, so the urgent "\n" never reaches the stream.
    const py = python3_or_skip(this);
    const l = listening_socket(IPV4);
    l.setsockopt(SOL_SOCKET, SO_OOBINLINE, 1);
    const port = (l.getsockname() as [string, number])[1];
    try {
      const done = cpython_abort_client(py, port);
      const [a] = await accept_one(l);
      try {
        const data = await recv_all(a);
        a.send(Buffer.from("bye"));
        expect(data.toString("latin1")).to.equal("USER x\r\nABOR\rQUIT\r\n");
      } finally {
        a.close();
      }
      expect(await done).to.equal(0);
    } finally {
      l.close();
    }
  });

  it("the PORTING.md recipe: terminator \\r and a leading \\n dropped reads every command whether or not the urgent \\n arrives", async function () {
    const py = python3_or_skip(this);
    const map: asyncore.SocketMap = new Map();
    const commands: string[] = [];
    class ftp_channel extends async_chat {
      ibuffer: Buffer[] = [];
      constructor(sock: socket) {
        super(sock, map);
        this.set_terminator(Buffer.from("\r"));
      }
      override collect_incoming_data(data: Buffer): void {
        this.ibuffer.push(data);
      }
      override found_terminator(): void {
        let line = Buffer.concat(this.ibuffer).toString("latin1");
        this.ibuffer = [];
        if (line.startsWith("\n")) line = line.slice(1); // the "\n" of "\r\n", when it was not urgent
        commands.push(line);
        if (line === "QUIT") this.push(Buffer.from("221 bye\r\n"));
      }
    }
    class server extends asyncore.dispatcher {
      constructor() {
        super(null, map);
        this.create_socket(AF_INET, SOCK_STREAM);
        this.socket!.setsockopt(SOL_SOCKET, SO_OOBINLINE, 1); // a line-by-line port keeps this
        this.bind(["127.0.0.1", 0]);
        this.listen(5);
      }
      override handle_accepted(sock: socket): void {
        new ftp_channel(sock);
      }
    }
    const srv = new server();
    try {
      const done = cpython_abort_client(py, (srv.socket!.getsockname() as [string, number])[1]);
      let exited: number | null | undefined;
      void done.then((code) => { exited = code; });
      await loop_until(() => exited !== undefined, { use_poll: false, map, what: "client exit" });
      expect(exited).to.equal(0);
      expect(commands).to.deep.equal(["USER x", "ABOR", "QUIT"]);
    } finally {
      asyncore.close_all(map);
    }
  });
});
