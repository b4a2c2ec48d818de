// A Snapshot for the inspector page built straight from the loop's observer, without the inspector.
import * as asyncore from "../../src/asyncore/index.js";
import type { Cell, ChannelRow, IterationRecord, Snapshot } from "../../src/inspect/protocol.js";

/** Records one map's iterations as the page draws them; `snapshot()` any time, `close()` at the end. */
export class PageRecorder {
  private readonly rows = new Map<number, { cls: string; repr: string; first: number; last: number | null }>();
  private readonly records: IterationRecord[] = [];
  private readonly stop: () => void;
  private readonly t0 = performance.now();

  constructor(private readonly map: asyncore.SocketMap, private readonly title: string) {
    this.stop = asyncore.add_observer((t) => {
      if (t.map === this.map) this.take(t);
    });
  }

  private take(t: asyncore.IterationTrace): void {
    const cells = new Map<number, { asked: string; ready: string[]; handler: string | null; did: asyncore.Action[] }>();
    const cell = (fd: number) => {
      let c = cells.get(fd);
      if (!c) cells.set(fd, (c = { asked: "", ready: [], handler: null, did: [] }));
      return c;
    };
    for (const r of t.readable) cell(r.fd).asked += "r";
    for (const w of t.writable) cell(w.fd).asked += "w";
    for (const x of t.exceptional) cell(x.fd);
    for (const r of t.ready) cell(r.fd).ready = [...r.events];
    for (const d of t.dispatched) Object.assign(cell(d.fd), { handler: d.handler, did: [...d.actions] });
    for (const [fd, obj] of this.map) {
      if (!this.rows.has(fd)) this.rows.set(fd, { cls: obj.constructor.name, repr: String(obj), first: t.iteration, last: null });
    }
    for (const [fd, row] of this.rows) {
      if (row.last === null && !this.map.has(fd)) row.last = t.iteration;
      else if (row.last === null) row.repr = String(this.map.get(fd));
    }
    this.records.push({
      n: t.iteration, mode: t.mode, timeout: t.timeout, waited_ms: t.waited_ms, woke: t.woke,
      at_ms: performance.now() - this.t0, map_size: this.map.size,
      cells: [...cells].map(([fd, c]): Cell => ({ fd, asked: c.asked as Cell["asked"], ready: c.ready, handler: c.handler, did: c.did })),
    });
  }

  snapshot(): Snapshot {
    const channels: ChannelRow[] = [...this.rows].map(([fd, r]) => ({ fd, ...r }));
    const last = this.records[this.records.length - 1];
    return { title: this.title, channels, iterations: [...this.records], control: { paused: false, n: last?.n ?? 0 }, live: false };
  }

  close(): void {
    this.stop();
  }
}
