// The source keeps its layer order: each folder under src/ imports only from the folders below it.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** Bottom to top, as ARCHITECTURE.md lists them. */
const LAYERS = ["errno", "socket", "ssl", "select", "asyncore", "asynchat", "inspect"] as const;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The layer folder a path under src/ belongs to, or null for a file directly in src/. */
function layer_of(file: string): string | null {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : null;
}

/** Every module specifier a file imports or re-exports from (static and dynamic). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /^\s*import\s+["']([^"']+)["']/gm];
  for (const p of patterns) for (const m of text.matchAll(p)) found.push(m[1]!);
  return found;
}

describe("src/ layer order", () => {
  const files = sources(SRC);

  it("finds a folder for every layer it checks, and no folder it does not know", () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !(LAYERS as readonly string[]).includes(f))).to.deep.equal([]);
    expect(files.length).to.be.greaterThan(20);
  });

  it("no layer imports from a layer above it", () => {
    const wrong: string[] = [];
    for (const f of files) {
      const own = layer_of(f);
      if (own === null) continue; // src/index.ts gathers every layer; src/bytes.ts imports nothing.
      const rank = LAYERS.indexOf(own as (typeof LAYERS)[number]);
      for (const spec of specifiers(readFileSync(f, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const target = layer_of(resolve(dirname(f), spec));
        if (target === null || target === own) continue;
        if (LAYERS.indexOf(target as (typeof LAYERS)[number]) >= rank) wrong.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("src/ never imports the package by its own name (a layer reaches others only by path)", () => {
    const hits = files.filter((f) => specifiers(readFileSync(f, "utf8")).some((s) => s.startsWith("asyncore-ts")));
    expect(hits.map((f) => relative(SRC, f))).to.deep.equal([]);
  });

  it("every source file opens with a one-line header comment", () => {
    const missing = files.filter((f) => !/^\/\/ \S/.test(readFileSync(f, "utf8")));
    expect(missing.map((f) => relative(SRC, f))).to.deep.equal([]);
  });
});
