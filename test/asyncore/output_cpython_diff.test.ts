// Differential check: dispatcher_with_send's output (send, initiate_send, out_buffer) makes exactly CPython 3.11's sends for the same socket answers.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { expect } from "chai";
import { dispatcher_with_send } from "../../src/asyncore/index.js";
import { OSError } from "../../src/errno/index.js";
import { prng, rand_int } from "../helpers/chat.js";
import { scripted_socket, type answer, type event } from "../helpers/scripted_socket.js";


/** One call on the channel, with the answers its sends get (an unscripted send blocks). */
type op =
  | { readonly do: "send"; readonly hex: string; readonly sends: answer[] }
  | { readonly do: "write"; readonly sends: answer[] }
  | { readonly do: "set_out"; readonly hex: string; readonly sends: answer[] }
  | { readonly do: "get_out"; readonly sends: answer[] };

interface jcase {
  readonly connected: boolean;
  readonly ops: op[];
}

interface jresult {
  log: event[];
  out_buffer: string;
  writable: boolean;
}

// Drives CPython's own asyncore.dispatcher_with_send with a socket whose send() answers from a script.
const ORACLE = String.raw`
import sys, json, errno, hashlib, warnings
warnings.simplefilter("ignore")
import asyncore

def digest(data):
    return "%d:%s" % (len(data), hashlib.sha1(data).hexdigest()[:16])

class FakeSocket:
    def __init__(self, log):
        self.log, self.script = log, []
    def send(self, data):
        data = bytes(data)
        a = self.script.pop(0) if self.script else "block"
        self.log.append(["send", digest(data), a])
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

class D(asyncore.dispatcher_with_send):
    def __init__(self, connected, log):
        asyncore.dispatcher_with_send.__init__(self)
        self.events = log
        self.socket = FakeSocket(log)
        self.connected = connected
    def handle_close(self):
        self.events.append(["handle_close"])
        self.connected = False

out = []
for case in json.load(sys.stdin):
    log = []
    d = D(case["connected"], log)
    for op in case["ops"]:
        d.socket.script = list(op["sends"])
        log.append([op["do"]])
        try:
            if op["do"] == "send":
                d.send(bytes.fromhex(op["hex"]))
            elif op["do"] == "write":
                d.handle_write()
            elif op["do"] == "set_out":
                d.out_buffer = bytes.fromhex(op["hex"])
            else:
                log.append(["out_buffer", digest(d.out_buffer)])
        except OSError as e:
            log.append(["raised", e.errno])
    out.append({"log": log, "out_buffer": digest(d.out_buffer), "writable": bool(d.writable())})
json.dump(out, sys.stdout)
`;

/** Sends of 64 KiB are compared by length and hash, not hex, to keep the logs small. */
function digest(data: Uint8Array): string {
  return `${data.length}:${createHash("sha1").update(data).digest("hex").slice(0, 16)}`;
}

class sender extends dispatcher_with_send {
  constructor(connected: boolean, private readonly events: event[]) {
    super(null, new Map());
    this.connected = connected;
  }
  override handle_close(): void {
    this.events.push(["handle_close"]);
    this.connected = false;
  }
}

function ours(c: jcase): jresult {
  const log: event[] = [];
  const d = new sender(c.connected, log);
  const sock = new scripted_socket(log, digest);
  d.socket = sock as unknown as typeof d.socket; // a double, not in a map; the field is typed as the real socket
  for (const o of c.ops) {
    sock.script = [...o.sends];
    log.push([o.do]);
    try {
      switch (o.do) {
        case "send": d.send(Buffer.from(o.hex, "hex")); break;
        case "write": d.handle_write(); break;
        case "set_out": d.out_buffer = Buffer.from(o.hex, "hex"); break;
        case "get_out": log.push(["out_buffer", digest(d.out_buffer)]); break;
      }
    } catch (err) {
      if (!(err instanceof OSError)) throw err;
      log.push(["raised", err.errno]);
    }
  }
  return { log, out_buffer: digest(d.out_buffer), writable: d.writable() };
}

function python(): string | null {
  const r = spawnSync("python3", ["-c", "import asyncore"], { encoding: "utf8", timeout: 10000 });
  return r.status === 0 ? "python3" : null;
}

/** Random sessions of sends, writes and out_buffer reads and assignments against random socket answers. */
function cases(n: number): jcase[] {
  const rnd = prng(1911);
  const bytes = (len: number): string => {
    // long ones are one random byte repeated with a random tail, which is cheap to make and still tells slices apart
    const b = Buffer.alloc(len, rand_int(rnd, 0x61, 0x66));
    for (let i = Math.max(0, len - 16); i < len; i++) b[i] = rand_int(rnd, 0x61, 0x66);
    return b.toString("hex");
  };
  const answers = (): answer[] =>
    Array.from({ length: rand_int(rnd, 0, 2) }, (): answer => {
      const r = rand_int(rnd, 0, 9);
      // sizes around 65536 exercise the out_buffer[:65536] slice
      return r < 4 ? rand_int(rnd, 0, 9) : r < 6 ? 65536 + rand_int(rnd, -2, 2) : r < 8 ? "block" : r === 8 ? "reset" : "eio";
    });
  const out: jcase[] = [];
  for (let i = 0; i < n; i++) {
    const ops: op[] = [];
    for (let k = rand_int(rnd, 1, 10); k > 0; k--) {
      const sends = answers();
      const r = rand_int(rnd, 0, 9);
      if (r < 4) ops.push({ do: "send", hex: bytes(rand_int(rnd, 0, 1) ? rand_int(rnd, 0, 12) : rand_int(rnd, 65530, 65540)), sends });
      else if (r < 7) ops.push({ do: "write", sends });
      else if (r === 7) ops.push({ do: "set_out", hex: bytes(rand_int(rnd, 0, 8)), sends });
      else ops.push({ do: "get_out", sends });
    }
    out.push({ connected: rand_int(rnd, 0, 3) > 0, ops });
  }
  return out;
}

describe("dispatcher_with_send output vs CPython 3.11 (send for send)", () => {
  const py = python();

  it("makes the same sends and handle_close calls, raises the same errors and keeps the same out_buffer, on 200 random sessions", function () {
    if (!py) {
      this.skip(); // python3 with asyncore (CPython <= 3.11) is not installed here
    }
    this.timeout(30000);
    const all = cases(200);
    const r = spawnSync(py!, ["-c", ORACLE], { input: JSON.stringify(all), encoding: "utf8", timeout: 20000, maxBuffer: 256 << 20 });
    expect(r.status, r.stderr).to.equal(0);
    const want = JSON.parse(r.stdout) as jresult[];
    expect(want.length).to.equal(all.length);
    all.forEach((c, i) => {
      expect(ours(c), `case ${i}`).to.deep.equal(want[i]);
    });
  });
});
