// One map's loop as the inspector keeps it: the last iterations as records, and the channels it has held.
import {
  add_observer, aside_only, is_aside, iterations, type Channel, type IterationTrace, type SocketMap,
} from "../asyncore/index.js";
import type { Cell, ChannelRow, Control, IterationRecord, Snapshot } from "./protocol.js";

export interface RecorderOptions {
  /** Iterations kept, oldest dropped first (default 300). */
  readonly capacity?: number;
  /**
   * Cells kept at most over all kept iterations (default 200,000): a map of 10,000 channels
   * makes 10,000 cells per iteration, so the count of iterations alone would not bound memory.
   * The newest iteration is always kept.
   */
  readonly max_cells?: number;
  /** Names the inspector's own channels (marked in their rows); default: asyncore's set_aside. */
  readonly is_own?: (fd: number) => boolean;
  /** Start observing at once (default true); see Recorder.recording. */
  readonly recording?: boolean;
}

interface Row {
  readonly ch: Channel;
  row: ChannelRow;
}

function class_of(ch: Channel): string {
  return (ch as object).constructor?.name ?? "Object";
}

function repr_of(ch: Channel): string {
  try {
    return String(ch);
  } catch {
    return "<repr failed>";
  }
}

/** Rows of gone channels kept at most. */
const MAX_GONE = 5000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Shared by the cells with nothing ready or done (most of them): an array each would be two
// allocations per channel asked, each iteration. Never written: a cell that needs one gets its own.
const NONE: readonly never[] = Object.freeze([]);

/** An iteration trace as one column: a cell per channel asked or ready, in the map's order. */
export function to_record(t: IterationTrace, at_ms: number): IterationRecord {
  const cells = new Map<number, Mutable<Cell>>();
  const cell = (fd: number) => {
    let c = cells.get(fd);
    if (c === undefined) {
      c = { fd, asked: "", ready: NONE, handler: null, did: NONE };
      cells.set(fd, c);
    }
    return c;
  };
  for (const r of t.readable) cell(r.fd).asked = "r";
  for (const w of t.writable) {
    const c = cell(w.fd);
    c.asked = c.asked === "r" ? "rw" : "w";
  }
  for (const r of t.ready) {
    const c = cell(r.fd);
    c.ready = [...c.ready, ...r.events];
  }
  for (const d of t.dispatched) {
    const c = cell(d.fd);
    c.handler = c.handler === null ? d.handler : `${c.handler}, ${d.handler}`;
    c.did = [...c.did, ...d.actions];
  }
  return {
    n: t.iteration, mode: t.mode, timeout: t.timeout, waited_ms: t.waited_ms, woke: t.woke, at_ms,
    map_size: t.map.size, cells: [...cells.values()],
  };
}

/**
 * Observes one map's loop: each iteration becomes an IterationRecord, the last `capacity` kept
 * (fewer when they would hold more than `max_cells` cells),
 * and the channels in the map after each iteration become ChannelRows (kept while the channel
 * is in the map, and after it left while an iteration it was in is still kept). Iterations in
 * which only the inspector's own channels were ready are counted, not recorded: recording them
 * would feed the page's updates back into the loop forever (ARCHITECTURE.md, "The inspector").
 */
export class Recorder {
  readonly capacity: number;
  /** performance.now() when recording began; IterationRecord.at_ms counts from it. */
  readonly started = performance.now();
  readonly #map: SocketMap;
  readonly max_cells: number;
  /** The kept iterations, oldest first (at most a few hundred: shift() is cheap). */
  readonly #kept: IterationRecord[] = [];
  #cells = 0;
  readonly #live = new Map<number, Row>();
  #gone: ChannelRow[] = [];
  #last = 0;
  #own_only = 0;
  readonly #is_own: (fd: number) => boolean;
  #stop: (() => void) | null = null;
  /** Told of each recorded iteration and each row that appeared or closed. */
  on_iteration: ((r: IterationRecord) => void) | null = null;
  on_channel: ((r: ChannelRow) => void) | null = null;

  constructor(map: SocketMap, opts: RecorderOptions = {}) {
    const cap = opts.capacity ?? 300;
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`capacity must be a positive integer, not ${cap}`);
    this.capacity = cap;
    const cells = opts.max_cells ?? 200_000;
    if (!Number.isInteger(cells) || cells < 1) throw new RangeError(`max_cells must be a positive integer, not ${cells}`);
    this.max_cells = cells;
    this.#map = map;
    this.#is_own = opts.is_own ?? ((fd) => is_aside(map, fd));
    this.recording = opts.recording ?? true;
  }

  /**
   * Whether the loop is observed. Observing makes every iteration of every map build its trace
   * (a ref per channel asked; no reprs unless another observer wants them) and this recorder a
   * record of it, a multiple of the loop's own work, so the inspector records only while a page
   * watches or the map is paused (ARCHITECTURE.md, "What the inspector costs").
   */
  get recording(): boolean {
    return this.#stop !== null;
  }

  set recording(on: boolean) {
    if (on === this.recording) return;
    if (on) {
      this.sync();
      // The records need the fds only; a row's repr is taken here, once per new or gone channel.
      this.#stop = add_observer(this.#observe, { reprs: false });
    } else {
      this.#stop?.();
      this.#stop = null;
    }
  }

  /** The last recorded iteration's number (0 before the first). */
  get last(): number {
    return this.#last;
  }

  /** Iterations not recorded because only the inspector's channels were ready. */
  get own_only(): number {
    return this.#own_only;
  }

  /** The kept iterations, oldest first. */
  iterations(): IterationRecord[] {
    return this.#kept.slice();
  }

  /** Rows of the channels still in the map and of those gone within the kept window, by first appearance. */
  channels(): ChannelRow[] {
    const rows = [...this.#gone, ...[...this.#live.values()].map((r) => r.row)];
    return rows.sort((a, b) => a.first - b.first || a.fd - b.fd);
  }

  close(): void {
    this.recording = false;
  }

  /**
   * What this recorder kept, as the page draws it. `live` false is an exported file (no server
   * behind it); `control` defaults to a loop running after the last kept iteration.
   */
  snapshot(title: string, live: boolean, control?: Control): Snapshot {
    if (!this.recording) this.sync();
    return {
      title, channels: this.channels(), iterations: this.iterations(),
      control: control ?? { paused: false, n: this.#last, steps: 0 }, live, inspector_iterations: this.#own_only,
    };
  }

  /** Bring the rows up to the map between iterations: a newcomer's first iteration is the next. */
  sync(): void {
    const n = iterations(this.#map);
    this.#sync_rows(n + 1, n);
  }

  readonly #observe = (t: IterationTrace): void => {
    if (t.map !== this.#map) return;
    this.#sync_rows(t.iteration, t.iteration);
    if (aside_only(t)) {
      this.#own_only++;
      return;
    }
    const rec = to_record(t, performance.now() - this.started);
    this.#last = rec.n;
    const kept = this.#kept;
    kept.push(rec);
    this.#cells += rec.cells.length;
    if (kept.length > this.capacity || this.#cells > this.max_cells) {
      while (kept.length > 1 && (kept.length > this.capacity || this.#cells > this.max_cells)) {
        this.#cells -= (kept.shift() as IterationRecord).cells.length;
      }
      this.#prune();
    }
    this.on_iteration?.(rec);
  };

  /**
   * Rows for channels that joined the map (first: `first`), `last` for those that left (by
   * identity: an fd is reused).
   */
  #sync_rows(first: number, last: number): void {
    const live = this.#live;
    const m = this.#map;
    if (live.size === m.size) {
      let same = true;
      for (const [fd, r] of live) {
        if (m.get(fd) !== r.ch) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    for (const [fd, r] of live) {
      if (m.get(fd) === r.ch) continue;
      live.delete(fd);
      const row = { ...r.row, last, repr: repr_of(r.ch) };
      this.#gone.push(row);
      this.on_channel?.(row);
    }
    for (const [fd, ch] of m) {
      if (live.has(fd)) continue;
      const own = this.#is_own(fd);
      const row: ChannelRow = { fd, cls: class_of(ch), repr: repr_of(ch), first, last: null, ...(own ? { inspector: true } : {}) };
      live.set(fd, { ch, row });
      this.on_channel?.(row);
    }
    this.#prune(last);
  }

  /**
   * Rows of gone channels whose last iteration fell out of the window go too (with nothing kept,
   * those gone before `now`), and at most MAX_GONE are kept: while nobody watches, channels may
   * come and go without an iteration being recorded.
   */
  #prune(now = this.#last): void {
    const oldest = this.#kept[0]?.n ?? now;
    if (this.#gone.length > 0 && (this.#gone[0] as ChannelRow).last! < oldest) {
      this.#gone = this.#gone.filter((r) => (r.last as number) >= oldest);
    }
    if (this.#gone.length > MAX_GONE) this.#gone = this.#gone.slice(-MAX_GONE);
  }
}
