// The one-byte terminator's path (a line's "\n"): CPython 3.11's calls for every cut of the input, callbacks changing terminator and input.
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { framer, type framing_target, type terminator } from "../../src/asynchat/index.js";
import { cut, prng, rand_int } from "../helpers/chat.js";
import { python3_or_skip } from "../helpers/python.js";

/**
 * What a callback does, by the number of the call (collect and found counted apart):
 * "nl" / "nl2": the terminator becomes b"\n" (two distinct objects, as a program makes a new
 * b"\n"), "crlf": b"\r\n", "num:K": K, "none": None, "mut:HH": the mutable terminator (a
 * bytearray, in JS a Uint8Array) set and its one byte changed in place to HH, "buf:HEX": the
 * unprocessed input replaced (`self.ac_in_buffer = ...`).
 */
interface jcase {
  reads: string[];
  found: Record<string, string>;
  collect: Record<string, string>;
}
type jcall = ["c", string] | ["f"];
interface jresult {
  calls: jcall[];
  rest: string;
}

const ORACLE = String.raw`
import sys, json, warnings
warnings.simplefilter("ignore")
import asynchat

class Chat(asynchat.async_chat):
    def __init__(self, case):
        asynchat.async_chat.__init__(self)
        self.case, self.calls, self.nc, self.nf, self.next_read = case, [], 0, 0, b""
        self.mut = bytearray(b"\n")
        self.terminator = b"\n"
    def recv(self, n):
        return self.next_read
    def act(self, a):
        if a == "nl": self.terminator = b"\n"
        elif a == "nl2": self.terminator = bytes(bytearray(b"\n"))
        elif a == "crlf": self.terminator = b"\r\n"
        elif a == "none": self.terminator = None
        elif a.startswith("num:"): self.terminator = int(a[4:])
        elif a.startswith("mut:"):
            self.mut[0] = int(a[4:], 16)
            self.terminator = self.mut
        elif a.startswith("buf:"): self.ac_in_buffer = bytes.fromhex(a[4:])
    def collect_incoming_data(self, data):
        self.calls.append(["c", bytes(data).hex()])
        a = self.case["collect"].get(str(self.nc))
        self.nc += 1
        if a: self.act(a)
    def found_terminator(self):
        self.calls.append(["f"])
        a = self.case["found"].get(str(self.nf))
        self.nf += 1
        if a: self.act(a)

out = []
for case in json.load(sys.stdin):
    c = Chat(case)
    for r in case["reads"]:
        c.next_read = bytes.fromhex(r)
        c.handle_read()
    out.append({"calls": c.calls, "rest": c.ac_in_buffer.hex()})
json.dump(out, sys.stdout)
`;

const NL = Buffer.from("\n");
const NL2 = Buffer.from("\n");
const CRLF = Buffer.from("\r\n");

class chat implements framing_target {
  terminator: terminator = NL;
  ac_collect_limit: number | null = null;
  calls: jcall[] = [];
  readonly f = new framer(this);
  private readonly mut = Uint8Array.from([0x0a]);
  private nc = 0;
  private nf = 0;
  constructor(private readonly c: jcase) {}
  get_terminator(): terminator {
    return this.terminator;
  }
  handle_collect_overflow(): void {
    this.calls.push(["c", "overflow"]);
  }
  private act(a: string | undefined): void {
    if (a === undefined) return;
    if (a === "nl") this.terminator = NL;
    else if (a === "nl2") this.terminator = NL2;
    else if (a === "crlf") this.terminator = CRLF;
    else if (a === "none") this.terminator = null;
    else if (a.startsWith("num:")) this.terminator = Number(a.slice(4));
    else if (a.startsWith("mut:")) {
      this.mut[0] = parseInt(a.slice(4), 16);
      this.terminator = this.mut;
    } else if (a.startsWith("buf:")) this.f.pending = Buffer.from(a.slice(4), "hex");
  }
  collect_incoming_data(data: Buffer): void {
    this.calls.push(["c", data.toString("hex")]);
    this.act(this.c.collect[String(this.nc++)]);
  }
  found_terminator(): void {
    this.calls.push(["f"]);
    this.act(this.c.found[String(this.nf++)]);
  }
}

function ours(c: jcase): jresult {
  const t = new chat(c);
  for (const r of c.reads) t.f.feed(Buffer.from(r, "hex"));
  return { calls: t.calls, rest: t.f.pending.toString("hex") };
}

function cpython(py: string, cases: jcase[]): jresult[] {
  const r = spawnSync(py, ["-c", ORACLE], { input: JSON.stringify(cases), encoding: "utf8", timeout: 60000, maxBuffer: 256 << 20 });
  expect(r.status, r.stderr).to.equal(0);
  const want = JSON.parse(r.stdout) as jresult[];
  expect(want.length).to.equal(cases.length);
  return want;
}

/** Lines of 0-40 bytes (some with "\r\n", "q" for the mutated terminator), and callbacks acting at random calls. */
function random_case(rnd: () => number): { data: Buffer; found: Record<string, string>; collect: Record<string, string> } {
  const parts: string[] = [];
  for (let k = rand_int(rnd, 1, 6); k > 0; k--) {
    const n = rand_int(rnd, 0, 40);
    let s = "";
    for (let i = 0; i < n; i++) s += "abq\r"[rand_int(rnd, 0, 3)];
    parts.push(s + (rnd() < 0.2 ? "\r\n" : "\n"));
  }
  if (rnd() < 0.5) parts.push("tail".slice(0, rand_int(rnd, 0, 4)));
  const data = Buffer.from(parts.join(""), "latin1");
  // A replaced input long enough that where the next item starts in it shows.
  const long = Buffer.from("abcdefgh\nijklmnopqrstuvwxyz\r\n0123456789\nqq", "latin1").toString("hex");
  const acts = ["nl", "nl2", "crlf", "none", "num:3", "mut:71", "mut:0a", "buf:", "buf:610a62", "buf:0a0a", `buf:${long}`];
  const found: Record<string, string> = {};
  const collect: Record<string, string> = {};
  for (let i = 0; i < 8; i++) {
    if (rnd() < 0.35) found[String(i)] = acts[rand_int(rnd, 0, acts.length - 1)]!;
    if (rnd() < 0.15) collect[String(i)] = acts[rand_int(rnd, 0, acts.length - 1)]!;
  }
  return { data, found, collect };
}

describe("asynchat line path (one-byte terminator) vs CPython 3.11, every cut", () => {
  it("makes CPython's calls for every single cut and random double cuts of 40 random streams, with callbacks changing the terminator and the input", function () {
    const py = python3_or_skip(this, "asynchat");
    this.timeout(60000);
    const rnd = prng(1025);
    const cases: jcase[] = [];
    for (let k = 0; k < 40; k++) {
      const { data, found, collect } = random_case(rnd);
      for (let i = 0; i <= data.length; i++) {
        cases.push({ reads: cut(data, [i]).map((b) => b.toString("hex")), found, collect });
        const j = rand_int(rnd, i, data.length);
        cases.push({ reads: cut(data, [i, j]).map((b) => b.toString("hex")), found, collect });
      }
      cases.push({ reads: cut(data, Array.from({ length: Math.max(0, data.length - 1) }, (_, i) => i + 1)).map((b) => b.toString("hex")), found, collect });
    }
    const want = cpython(py, cases);
    cases.forEach((c, i) => expect(ours(c), `case ${i}: ${JSON.stringify(c)}`).to.deep.equal(want[i]));
  });

  it("with no callback actions, delivers each line of a many-line read as one collect and one found (the usual case, cut everywhere)", function () {
    const py = python3_or_skip(this, "asynchat");
    this.timeout(60000);
    const data = Buffer.from(Array.from({ length: 16 }, (_, i) => "x".repeat(i * 3) + "\n").join("") + "rest", "latin1");
    const cases: jcase[] = [];
    for (let i = 0; i <= data.length; i++) cases.push({ reads: cut(data, [i]).map((b) => b.toString("hex")), found: {}, collect: {} });
    const want = cpython(py, cases);
    cases.forEach((c, i) => expect(ours(c), `cut at ${i}`).to.deep.equal(want[i]));
    // The whole read at once: 16 lines, the first empty (no collect before its terminator), then
    // the partial line collected too (no prefix of "\n" to hold back).
    const whole = want[data.length]!.calls;
    expect(whole.filter((x) => x[0] === "f")).to.have.length(16);
    expect(whole.filter((x) => x[0] === "c")).to.have.length(16);
    expect(whole.at(-1)).to.deep.equal(["c", Buffer.from("rest").toString("hex")]);
  });

  it("a collect limit set between lines applies from the next line on, not only on the general path", () => {
    const t = new chat({ reads: [], found: {}, collect: {} });
    t.f.feed(Buffer.from("ab\ncd\n"));
    t.ac_collect_limit = 3;
    t.f.feed(Buffer.from("efg\nhijk\nlm\n"));
    expect(t.calls).to.deep.equal([
      ["c", Buffer.from("ab").toString("hex")],
      ["f"],
      ["c", Buffer.from("cd").toString("hex")],
      ["f"],
      ["c", Buffer.from("efg").toString("hex")],
      ["f"],
      ["c", "overflow"],
    ]);
    expect(t.f.pending.length).to.equal(0);
  });
});
