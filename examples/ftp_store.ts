// The FTP example's file store: an in-memory tree of directories and files, bounded in bytes and in entries.

/** What stat() knows of a path. */
export type Entry =
  | { readonly type: "file"; readonly size: number; readonly mtime: Date }
  | { readonly type: "dir"; readonly mtime: Date };

/** A store operation that failed; `reply` is the FTP reply to send (e.g. "550 No such file"). */
export class StoreError extends Error {
  constructor(readonly reply: string) {
    super(reply);
    this.name = "StoreError";
  }
}

/** What a peer may grow: the bytes of all files and the number of entries. */
export interface StoreLimits {
  /** Total bytes of all files (default 256 MiB). */
  readonly max_bytes?: number;
  /** Files and directories together (default 10,000). */
  readonly max_entries?: number;
}

type Node = { type: "file"; data: Buffer; mtime: Date } | { type: "dir"; mtime: Date };

/**
 * Normalise `path` against the directory `cwd`: absolute, "/"-separated, no "." or "..", no
 * trailing slash. ".." above the root stays at the root, as on a real file system.
 */
export function resolve_path(cwd: string, path: string): string {
  const parts: string[] = [];
  for (const p of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

function parent_of(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** The tree. Paths given to it are absolute and normalised (resolve_path). */
export class MemoryStore {
  readonly max_bytes: number;
  readonly max_entries: number;
  private readonly nodes = new Map<string, Node>([["/", { type: "dir", mtime: new Date() }]]);
  private bytes = 0;

  constructor(limits: StoreLimits = {}) {
    this.max_bytes = limits.max_bytes ?? 256 * 1024 * 1024;
    this.max_entries = limits.max_entries ?? 10000;
  }

  /** Bytes of all files together. */
  get used_bytes(): number {
    return this.bytes;
  }

  stat(path: string): Entry | null {
    const n = this.nodes.get(path);
    if (!n) return null;
    return n.type === "file" ? { type: "file", size: n.data.length, mtime: n.mtime } : { type: "dir", mtime: n.mtime };
  }

  /** The names in a directory, sorted. */
  list(dir: string): string[] {
    if (this.nodes.get(dir)?.type !== "dir") throw new StoreError("550 No such directory.");
    const prefix = dir === "/" ? "/" : `${dir}/`;
    const out: string[] = [];
    for (const p of this.nodes.keys()) {
      if (p !== "/" && p.startsWith(prefix) && !p.includes("/", prefix.length)) out.push(p.slice(prefix.length));
    }
    return out.sort();
  }

  read(path: string): Buffer {
    const n = this.nodes.get(path);
    if (n?.type !== "file") throw new StoreError("550 No such file.");
    return n.data;
  }

  /** Room left for `path` to grow to, in bytes (counting what it holds now). */
  room_for(path: string): number {
    const n = this.nodes.get(path);
    return this.max_bytes - this.bytes + (n?.type === "file" ? n.data.length : 0);
  }

  /** Checks that `path` can be written (its directory exists, it is not a directory, an entry is free). */
  check_writable(path: string): void {
    if (path === "/" || this.nodes.get(parent_of(path))?.type !== "dir") throw new StoreError("550 No such directory.");
    const n = this.nodes.get(path);
    if (n?.type === "dir") throw new StoreError("550 Is a directory.");
    if (!n && this.nodes.size >= this.max_entries) throw new StoreError("552 Too many files.");
  }

  /**
   * Write `data` into `path` at `offset` (the file is cut there first, as STOR after REST does),
   * or at its end when `offset` is null (APPE). Fails with 552 beyond the store's byte limit.
   */
  write(path: string, data: Buffer, offset: number | null): void {
    this.check_writable(path);
    const n = this.nodes.get(path);
    const old = n?.type === "file" ? n.data : Buffer.alloc(0);
    const keep = offset === null ? old : old.subarray(0, Math.min(offset, old.length));
    const next = keep.length ? Buffer.concat([keep, data]) : data;
    if (this.bytes - old.length + next.length > this.max_bytes) throw new StoreError("552 Exceeded storage allocation.");
    this.bytes += next.length - old.length;
    this.nodes.set(path, { type: "file", data: next, mtime: new Date() });
  }

  mkdir(path: string): void {
    if (this.nodes.has(path)) throw new StoreError("550 File exists.");
    if (this.nodes.get(parent_of(path))?.type !== "dir") throw new StoreError("550 No such directory.");
    if (this.nodes.size >= this.max_entries) throw new StoreError("552 Too many files.");
    this.nodes.set(path, { type: "dir", mtime: new Date() });
  }

  rmdir(path: string): void {
    if (path === "/" || this.nodes.get(path)?.type !== "dir") throw new StoreError("550 No such directory.");
    if (this.list(path).length) throw new StoreError("550 Directory not empty.");
    this.nodes.delete(path);
  }

  delete(path: string): void {
    const n = this.nodes.get(path);
    if (n?.type !== "file") throw new StoreError("550 No such file.");
    this.bytes -= n.data.length;
    this.nodes.delete(path);
  }

  /** Move a file or a directory (with everything under it). */
  rename(from: string, to: string): void {
    const n = this.nodes.get(from);
    if (!n || from === "/") throw new StoreError("550 No such file or directory.");
    if (this.nodes.has(to)) throw new StoreError("550 File exists.");
    if (this.nodes.get(parent_of(to))?.type !== "dir") throw new StoreError("550 No such directory.");
    if (to.startsWith(`${from}/`)) throw new StoreError("550 Cannot move a directory into itself.");
    for (const [p, node] of [...this.nodes]) {
      if (p === from || p.startsWith(`${from}/`)) {
        this.nodes.delete(p);
        this.nodes.set(to + p.slice(from.length), node);
      }
    }
  }
}
