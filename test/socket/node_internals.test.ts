// The source stays on Node's public API: no patched Node module, no private field, no internal binding.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("src/ uses only Node's public API", () => {
  const FORBIDDEN: ReadonlyArray<readonly [string, RegExp]> = [
    ["reads a private field (_handle and the like)", /\.\s*_(handle|writableState|readableState|events|server|listeningId|parent|sockname|peername)\b/],
    ["uses process.binding or internalBinding", /\bprocess\s*\.\s*binding\b|\binternalBinding\b/],
    ["assigns to a property of a Node module", /\b(dns|net|dgram|tls|fs|os|http|cluster)\w*\s*\.\s*\w+\s*=[^=>]/],
    ["loads a Node module as a mutable object through createRequire", /createRequire\s*\(/],
    ["imports node:internal", /["']node:internal|["']internal\//],
  ];

  it("finds the source files", () => {
    expect(sources(SRC).length).to.be.greaterThan(20);
  });

  for (const [what, pattern] of FORBIDDEN) {
    it(`no file ${what}`, () => {
      const hits = sources(SRC).flatMap((f) =>
        readFileSync(f, "utf8")
          .split("\n")
          .map((line, i) => [line, i] as const)
          .filter(([line]) => pattern.test(line))
          .map(([line, i]) => `${f}:${i + 1}: ${line.trim()}`),
      );
      expect(hits).to.deep.equal([]);
    });
  }
});
