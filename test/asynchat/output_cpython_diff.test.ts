// Differential check: async_chat's output (push, producers, close_when_done, initiate_send) makes exactly CPython 3.11's sends for the same socket answers.
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { async_chat, simple_producer } from "../../src/asynchat/index.js";
import { OSError } from "../../src/errno/index.js";
import { prng, rand_int } from "../helpers/chat.js";
import { scripted_socket, type answer, type event } from "../helpers/scripted_socket.js";


/** One call on the channel, with the answers its sends get (an unscripted send blocks). */
type op =
  | { readonly do: "push"; readonly hex: string; readonly sends: answer[] }
  | { readonly do: "push_bytes"; readonly hex: string; readonly sends: answer[] }
  | { readonly do: "push_str"; readonly text: string; readonly sends: answer[] }
  | { readonly do: "push_producer"; readonly name: string; readonly data: string; readonly str: boolean; readonly bs: number; readonly sends: answer[] }
  | { readonly do: "close_when_done"; readonly sends: answer[] }
  | { readonly do: "write"; readonly sends: answer[] };

interface jcase {
  readonly size: number;
  readonly ops: op[];
}

type jentry = null | { b: string } | { p: string; rest: string };
interface jresult {
  log: event[];
  fifo: jentry[];
  writable: boolean;
  connected: boolean;
}

// Drives CPython's own asynchat.async_chat with a socket whose send() answers from a script.
const ORACLE = String.raw`
import sys, json, errno, warnings
warnings.simplefilter("ignore")
import asynchat

class FakeSocket:
    def __init__(self, log):
        self.log, self.script = log, []
    def send(self, data):
        data = bytes(data)
        a = self.script.pop(0) if self.script else "block"
        self.log.append(["send", data.hex(), a])
        if a == "block":
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        if a == "reset":
            raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
        if a == "eio":
            raise OSError(errno.EIO, "Input/output error")
        return min(a, len(data))
    def fileno(self):
        return 1000
    def close(self):
        pass

class Producer(asynchat.simple_producer):
    def __init__(self, name, data, bs, log):
        asynchat.simple_producer.__init__(self, data, bs)
        self.name, self.log = name, log
    def more(self):
        self.log.append(["more", self.name])
        return asynchat.simple_producer.more(self)

class Chat(asynchat.async_chat):
    use_encoding = True
    def __init__(self, size, log):
        asynchat.async_chat.__init__(self)
        self.ac_out_buffer_size = size
        self.events = log
        self.socket = FakeSocket(log)
        self.connected = True
    def handle_close(self):
        self.events.append(["handle_close"])
        self.connected = False
    def handle_error(self):
        self.events.append(["handle_error", getattr(sys.exc_info()[1], "errno", None)])

def b(x):
    return (x.encode("latin-1") if isinstance(x, str) else bytes(x)).hex()

def entry(e):
    if e is None:
        return None
    if isinstance(e, Producer):
        return {"p": e.name, "rest": b(e.data)}
    return {"b": b(e)}

out = []
for case in json.load(sys.stdin):
    log = []
    c = Chat(case["size"], log)
    for op in case["ops"]:
        c.socket.script = list(op["sends"])
        log.append([op["do"]])
        if op["do"] == "push":
            c.push(bytes.fromhex(op["hex"]))
        elif op["do"] == "push_bytes":
            c.push_with_producer(bytes.fromhex(op["hex"]))
        elif op["do"] == "push_str":
            c.push_with_producer(op["text"])
        elif op["do"] == "push_producer":
            data = op["data"] if op["str"] else op["data"].encode("latin-1")
            c.push_with_producer(Producer(op["name"], data, op["bs"], log))
        elif op["do"] == "close_when_done":
            c.close_when_done()
        else:
            c.handle_write()
    out.append({"log": log, "fifo": [entry(e) for e in c.producer_fifo],
                "writable": bool(c.writable()), "connected": bool(c.connected)})
json.dump(out, sys.stdout)
`;

class logged_producer extends simple_producer {
  constructor(readonly name: string, data: Buffer | string, bs: number, private readonly log: event[]) {
    super(data, bs);
  }
  override more(): Buffer | Uint8Array | string {
    this.log.push(["more", this.name]);
    return super.more();
  }
}

class chat extends async_chat {
  constructor(size: number, private readonly events: event[]) {
    super(null, new Map());
    this.ac_out_buffer_size = size;
    this.connected = true;
  }
  override handle_close(): void {
    this.events.push(["handle_close"]);
    this.connected = false;
  }
  override handle_error(err?: unknown): void {
    this.events.push(["handle_error", err instanceof OSError ? err.errno : null]);
  }
}
chat.prototype.use_encoding = true;

const hex = (x: Uint8Array | string): string => (typeof x === "string" ? Buffer.from(x, "latin1") : Buffer.from(x)).toString("hex");

function ours(c: jcase): jresult {
  const log: event[] = [];
  const ch = new chat(c.size, log);
  const sock = new scripted_socket(log);
  ch.socket = sock as unknown as typeof ch.socket; // a double, not in a map; the field is typed as the real socket
  for (const o of c.ops) {
    sock.script = [...o.sends];
    log.push([o.do]);
    switch (o.do) {
      case "push": ch.push(Buffer.from(o.hex, "hex")); break;
      case "push_bytes": ch.push_with_producer(Buffer.from(o.hex, "hex")); break;
      case "push_str": ch.push_with_producer(o.text); break;
      case "push_producer": ch.push_with_producer(new logged_producer(o.name, o.str ? o.data : Buffer.from(o.data, "latin1"), o.bs, log)); break;
      case "close_when_done": ch.close_when_done(); break;
      case "write": ch.handle_write(); break;
    }
  }
  const fifo = [...ch.producer_fifo].map((e): jentry => {
    if (e === null) return null;
    if (e instanceof logged_producer) return { p: e.name, rest: hex(e.data) };
    return { b: hex(e as Uint8Array | string) };
  });
  return { log, fifo, writable: ch.writable(), connected: ch.connected };
}

function python(): string | null {
  const r = spawnSync("python3", ["-c", "import asynchat"], { encoding: "utf8", timeout: 10000 });
  return r.status === 0 ? "python3" : null;
}

/** Random sessions: pushes of every kind, close_when_done, and writes, against random socket answers. */
function cases(n: number): jcase[] {
  const rnd = prng(4711);
  const text = (len: number): string => Array.from({ length: len }, () => "ab\r\né\xff."[rand_int(rnd, 0, 6)]!).join("");
  const answers = (): answer[] =>
    Array.from({ length: rand_int(rnd, 0, 3) }, (): answer => {
      const r = rand_int(rnd, 0, 9);
      return r < 6 ? rand_int(rnd, 0, 9) : r < 8 ? "block" : r === 8 ? "reset" : "eio";
    });
  const out: jcase[] = [];
  for (let i = 0; i < n; i++) {
    const ops: op[] = [];
    for (let k = rand_int(rnd, 1, 12); k > 0; k--) {
      const sends = answers();
      const r = rand_int(rnd, 0, 11);
      if (r < 3) ops.push({ do: "push", hex: hex(text(rand_int(rnd, 0, 20))), sends });
      else if (r === 3) ops.push({ do: "push_bytes", hex: hex(text(rand_int(rnd, 0, 12))), sends });
      else if (r === 4) ops.push({ do: "push_str", text: text(rand_int(rnd, 0, 12)), sends });
      else if (r < 7) ops.push({ do: "push_producer", name: `p${k}`, data: text(rand_int(rnd, 0, 20)), str: rand_int(rnd, 0, 1) === 1, bs: rand_int(rnd, 1, 8), sends });
      else if (r === 7) ops.push({ do: "close_when_done", sends });
      else ops.push({ do: "write", sends: [rand_int(rnd, 0, 12), ...sends] });
    }
    out.push({ size: rand_int(rnd, 1, 9), ops });
  }
  return out;
}

describe("async_chat output vs CPython 3.11 (send for send)", () => {
  const py = python();

  it("makes the same send/more/handle_close/handle_error calls and leaves the same producer_fifo, on 600 random sessions", function () {
    if (!py) {
      this.skip(); // python3 with asynchat (CPython <= 3.11) is not installed here
    }
    this.timeout(30000);
    const all = cases(600);
    const r = spawnSync(py!, ["-c", ORACLE], { input: JSON.stringify(all), encoding: "utf8", timeout: 20000, maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).to.equal(0);
    const want = JSON.parse(r.stdout) as jresult[];
    expect(want.length).to.equal(all.length);
    all.forEach((c, i) => {
      expect(ours(c), `case ${i}: ${JSON.stringify(c)}`).to.deep.equal(want[i]);
    });
  });
});
