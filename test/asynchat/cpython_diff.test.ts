// Differential check: the framing makes exactly CPython 3.11's handle_read calls for the same reads.
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { framer, type terminator } from "../../src/asynchat/index.js";
import { cut, prng, rand_int, recorder } from "../helpers/chat.js";
import { python3_or_skip } from "../helpers/python.js";

type jterm = null | number | { b: string };
interface jcase {
  schedule: jterm[];
  first: jterm;
  segments: { set?: jterm; reads: string[] }[];
}
interface jresult {
  calls: (["c", string] | ["f"] | ["m"])[];
  rest: string;
  term: jterm;
}

// Drives CPython's own asynchat.async_chat.handle_read with recv() replaced by the given reads.
const ORACLE = String.raw`
import sys, json, warnings
warnings.simplefilter("ignore")
import asynchat

def term(j):
    if j is None or isinstance(j, int):
        return j
    return bytes.fromhex(j["b"])

def jterm(t):
    if t is None or isinstance(t, int):
        return t
    return {"b": t.hex()}

class Chat(asynchat.async_chat):
    def __init__(self, schedule):
        asynchat.async_chat.__init__(self)
        self.schedule, self.i, self.calls, self.next_read = schedule, 0, [], b""
    def recv(self, n):
        return self.next_read
    def collect_incoming_data(self, data):
        self.calls.append(["c", bytes(data).hex()])
    def found_terminator(self):
        self.calls.append(["f"])
        if self.schedule:
            self.terminator = self.schedule[self.i % len(self.schedule)]
            self.i += 1

out = []
for case in json.load(sys.stdin):
    c = Chat([term(t) for t in case["schedule"]])
    c.terminator = term(case["first"])
    for seg in case["segments"]:
        if "set" in seg:
            c.terminator = term(seg["set"])
            c.calls.append(["m"])
        for r in seg["reads"]:
            c.next_read = bytes.fromhex(r)
            c.handle_read()
    out.append({"calls": c.calls, "rest": c.ac_in_buffer.hex(), "term": jterm(c.terminator)})
json.dump(out, sys.stdout)
`;

function to_term(j: jterm): terminator {
  return j === null || typeof j === "number" ? j : Buffer.from(j.b, "hex");
}
function to_j(t: terminator): jterm {
  if (t === null || typeof t === "number") return t;
  if (typeof t === "string") throw new Error("str terminator in test");
  return { b: Buffer.from(t).toString("hex") };
}

function ours(c: jcase): jresult {
  const t = new recorder(c.schedule.map(to_term));
  t.terminator = to_term(c.first);
  const f = new framer(t);
  for (const seg of c.segments) {
    if ("set" in seg) {
      t.terminator = to_term(seg.set!);
      t.calls.push(["m"]);
    }
    for (const r of seg.reads) f.feed(Buffer.from(r, "hex"));
  }
  return {
    calls: t.calls.map((x) => (x[0] === "c" ? ["c", x[1].toString("hex")] : x)) as jresult["calls"],
    rest: f.pending.toString("hex"),
    term: to_j(t.terminator),
  };
}

describe("asynchat framing vs CPython 3.11 handle_read (call for call)", () => {
  it("makes the same collect_incoming_data/found_terminator calls on 400 random read sequences", function () {
    const py = python3_or_skip(this, "asynchat"); // CPython 3.11 or older
    this.timeout(30000);
    const rnd = prng(3110);
    const alphabet = Buffer.from("ab\r\nq.", "latin1");
    const jt = (): jterm => {
      switch (rand_int(rnd, 0, 5)) {
        case 0: return { b: "0a" };
        case 1: return { b: "0d0a" };
        case 2: return { b: "0d0a2e0d0a" };
        case 3: return { b: "717171" };
        case 4: return rand_int(rnd, 0, 7);
        default: return null;
      }
    };
    const cases: jcase[] = [];
    for (let i = 0; i < 400; i++) {
      const segments: jcase["segments"] = [];
      for (let k = rand_int(rnd, 1, 3); k > 0; k--) {
        const data = Buffer.from(Array.from({ length: rand_int(rnd, 0, 50) }, () => alphabet[rand_int(rnd, 0, alphabet.length - 1)]!));
        const at = Array.from({ length: rand_int(rnd, 0, 8) }, () => rand_int(rnd, 0, data.length)).sort((x, y) => x - y);
        const reads = cut(data, at).map((b) => b.toString("hex"));
        segments.push(segments.length ? { set: jt(), reads } : { reads });
      }
      cases.push({ schedule: Array.from({ length: rand_int(rnd, 1, 3) }, jt), first: jt(), segments });
    }
    const r = spawnSync(py, ["-c", ORACLE], { input: JSON.stringify(cases), encoding: "utf8", timeout: 20000, maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).to.equal(0);
    const want = JSON.parse(r.stdout) as jresult[];
    expect(want.length).to.equal(cases.length);
    cases.forEach((c, i) => {
      expect(ours(c), `case ${i}: ${JSON.stringify(c)}`).to.deep.equal(want[i]);
    });
  });
});
