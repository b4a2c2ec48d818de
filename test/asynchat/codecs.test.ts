// The codecs module against Python: literal expectations, and every vector compared live with CPython.
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { codecs, LookupError, UnicodeDecodeError, UnicodeEncodeError, UnicodeError } from "../../src/asynchat/index.js";
import * as root from "../../src/index.js";
import { python3_or_skip } from "../helpers/python.js";

const { encode, decode, lookup } = codecs;

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("did not throw");
}

describe("asynchat/codecs", () => {
  describe("Python's messages, as literals", () => {
    it("ascii encode of one character and of a run", () => {
      const e = thrown(() => encode("abc\u00e9", "ascii"));
      expect(e).to.be.instanceOf(UnicodeEncodeError).and.instanceOf(UnicodeError);
      expect(e.message).to.equal("'ascii' codec can't encode character '\\xe9' in position 3: ordinal not in range(128)");
      expect(thrown(() => encode("abc\u00e9\u00e9x", "ascii")).message)
        .to.equal("'ascii' codec can't encode characters in position 3-4: ordinal not in range(128)");
      const u = thrown(() => encode("\u{1f600}", "ascii")) as UnicodeEncodeError;
      expect(u.message).to.equal("'ascii' codec can't encode character '\\U0001f600' in position 0: ordinal not in range(128)");
      expect([u.encoding, u.start, u.end, u.reason]).to.deep.equal(["ascii", 0, 1, "ordinal not in range(128)"]);
    });

    it("positions count code points, not UTF-16 units", () => {
      expect(thrown(() => encode("\u{1f600}\u00e9", "latin-1")).message)
        .to.equal("'latin-1' codec can't encode character '\\U0001f600' in position 0: ordinal not in range(256)");
      expect(thrown(() => encode("\u{1f600}a\ud800", "utf-8")).message)
        .to.equal("'utf-8' codec can't encode character '\\ud800' in position 2: surrogates not allowed");
    });

    it("unknown encodings and handlers raise LookupError", () => {
      const e = thrown(() => encode("x", "foo"));
      expect(e).to.be.instanceOf(LookupError);
      expect(e.message).to.equal("unknown encoding: foo");
      expect(encode("x", "ascii", "bogus")).to.deep.equal(Buffer.from("x")); // only looked up when needed
      expect(thrown(() => encode("\u00e9", "ascii", "bogus")).message).to.equal("unknown error handler name 'bogus'");
    });

    it("utf-8 decode keeps a BOM, utf-8-sig strips it", () => {
      const data = Buffer.from([0xef, 0xbb, 0xbf, 0x78]);
      expect(decode(data, "utf-8")).to.equal("\ufeffx");
      expect(decode(data, "utf-8-sig")).to.equal("x");
      expect(encode("x", "utf-8-sig")).to.deep.equal(data);
    });

    it("utf-8 decode errors", () => {
      const e = thrown(() => decode(Buffer.from([0x61, 0xff]), "utf-8")) as UnicodeDecodeError;
      expect(e).to.be.instanceOf(UnicodeDecodeError);
      expect(e.message).to.equal("'utf-8' codec can't decode byte 0xff in position 1: invalid start byte");
      expect([e.start, e.end]).to.deep.equal([1, 2]);
      expect(thrown(() => decode(Buffer.from([0xe2, 0x82]))).message)
        .to.equal("'utf-8' codec can't decode bytes in position 0-1: unexpected end of data");
    });

    it("surrogateescape round-trips undecodable bytes", () => {
      const data = Buffer.from([0x61, 0xff, 0xe2, 0x82]);
      const s = decode(data, "utf-8", "surrogateescape");
      expect(s).to.equal("a\udcff\udce2\udc82");
      expect(encode(s, "utf-8", "surrogateescape")).to.deep.equal(data);
    });

    it("lookup gives Python's canonical names", () => {
      expect(["Latin-1", "ISO-8859-1", "U8", "utf 8", "us-ascii", "windows-1252", "UTF16"].map((n) => lookup(n).name))
        .to.deep.equal(["iso8859-1", "iso8859-1", "utf-8", "utf-8", "ascii", "cp1252", "utf-16"]);
      expect(() => lookup("utf16le")).to.throw(LookupError, "unknown encoding: utf16le");
    });

    it("is the root's codecs namespace too", () => {
      expect(root.codecs.encode).to.equal(encode);
    });
  });

  describe("compared live with CPython", function () {
    const encodings = ["ascii", "latin-1", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
      "utf-32", "utf-32-le", "utf-32-be", "cp1252"];
    const handlers = ["strict", "replace", "ignore", "surrogateescape", "backslashreplace", "xmlcharrefreplace"];
    // Python strs as code point lists (lone surrogates included), bytes as hex.
    const texts = ["", "abc", "abc\u00e9\u00e9x", "\u20ac5", "\u{1f600}!", "a\ud800b", "a\udcffb", "\udc80\udc81",
      "\u0100\u0101", "\ufeffx", "caf\u00e9 \u201cq\u201d \u0178", "a\udc7f"];
    const datas = ["", "616263", "ff", "61ff62", "e282", "e282ac", "e28241", "eda080", "f080", "c0af", "f0", "f4908080",
      "61f18080", "efbbbf78", "efbbbfff", "fffe4100", "feff0041", "4100", "00d8", "00d841", "00d8410042", "00dc",
      "41", "410042", "0000fe ff".replace(" ", ""), "00d80000", "00001100", "fffe000041000000", "8081", "809d41",
      "3dd800de", "41d8", "c3a9"];

    type Result = { ok: string } | { err: string; msg: string };
    const cases: { op: "encode" | "decode"; input: string; encoding: string; errors: string }[] = [];
    for (const encoding of encodings) {
      for (const errors of handlers) {
        for (const t of texts) cases.push({ op: "encode", input: t, encoding, errors });
        for (const d of datas) cases.push({ op: "decode", input: d, encoding, errors });
      }
    }
    const cps = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);

    function ours(c: (typeof cases)[number]): Result {
      try {
        if (c.op === "encode") return { ok: encode(c.input, c.encoding, c.errors).toString("hex") };
        return { ok: JSON.stringify(cps(decode(Buffer.from(c.input, "hex"), c.encoding, c.errors))) };
      } catch (e) {
        return { err: (e as Error).name, msg: (e as Error).message };
      }
    }

    it(`gives CPython's result or error for ${cases.length} encode/decode calls`, function () {
      const py = python3_or_skip(this);
      const script = `
import sys, json
out = []
for c in json.load(sys.stdin):
    try:
        if c["op"] == "encode":
            r = {"ok": "".join(map(chr, c["input"])).encode(c["encoding"], c["errors"]).hex()}
        else:
            r = {"ok": json.dumps([ord(x) for x in bytes.fromhex(c["input"]).decode(c["encoding"], c["errors"])], separators=(",", ":"))}
    except Exception as e:
        r = {"err": type(e).__name__, "msg": str(e)}
    out.append(r)
json.dump(out, sys.stdout)
`;
      const input = JSON.stringify(cases.map((c) => ({ ...c, input: c.op === "encode" ? cps(c.input) : c.input })));
      const r = spawnSync(py, ["-c", script], { input, encoding: "utf8", timeout: 20000 });
      expect(r.status, r.stderr).to.equal(0);
      const theirs = JSON.parse(r.stdout) as Result[];
      const diffs: string[] = [];
      cases.forEach((c, k) => {
        const a = ours(c);
        if (JSON.stringify(a) !== JSON.stringify(theirs[k])) {
          diffs.push(`${c.op}(${JSON.stringify(c.input)}, ${c.encoding}, ${c.errors}): ours ${JSON.stringify(a)} python ${JSON.stringify(theirs[k])}`);
        }
      });
      if (process.env.CODECS_DIFFS) console.log(diffs.join("\n"));
      expect(diffs.slice(0, 30).join("\n"), `${diffs.length} differ`).to.equal("");
    });
  });
});
