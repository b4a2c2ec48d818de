// A page's side of the inspector for tests: one-shot HTTP requests and an event-stream reader, with bounded waits.
import * as http from "node:http";
import { with_timeout } from "./clients.js";

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request on its own connection (no agent: nothing stays open after it). */
export function request(url: string, method = "GET", ms = 5000): Promise<Reply> {
  const done = new Promise<Reply>((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
  return with_timeout(done, ms, `${method} ${url}`);
}

export async function json<T = unknown>(url: string, method = "GET"): Promise<T> {
  const r = await request(url, method);
  if (r.status !== 200) throw new Error(`${method} ${url}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

export interface Event {
  readonly event: string;
  readonly data: unknown;
}

/** A page's /events stream: every event kept in order; waits for one matching a predicate. */
export class EventStream {
  readonly events: Event[] = [];
  private buffer = "";
  private req: http.ClientRequest | null = null;
  private res: http.IncomingMessage | null = null;
  private wake: (() => void) | null = null;
  error: Error | null = null;

  static async open(url: string, ms = 5000): Promise<EventStream> {
    const s = new EventStream();
    await with_timeout(
      new Promise<void>((resolve, reject) => {
        const req = http.request(new URL("/events", url), { agent: false }, (res) => {
          s.res = res;
          res.setEncoding("utf8");
          res.on("data", (text: string) => s.feed(text));
          res.on("error", () => undefined);
          resolve();
        });
        s.req = req;
        req.on("error", (e) => {
          s.error = e;
          reject(e);
          s.wake?.();
        });
        req.end();
      }),
      ms,
      "the event stream",
    );
    return s;
  }

  get status(): number {
    return this.res?.statusCode ?? 0;
  }

  get content_type(): string {
    return String(this.res?.headers["content-type"] ?? "");
  }

  private feed(text: string): void {
    this.buffer += text;
    let i: number;
    while ((i = this.buffer.indexOf("\n\n")) >= 0) {
      const block = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join("\n")) });
    }
    this.wake?.();
  }

  /** The first event from index `from` on that is `event` and passes `test`. */
  async next<T>(event: string, test: (d: T) => boolean = () => true, from = 0, ms = 5000): Promise<T> {
    const find = (): T | undefined => {
      for (let i = from; i < this.events.length; i++) {
        const e = this.events[i] as Event;
        if (e.event === event && test(e.data as T)) return e.data as T;
      }
      return undefined;
    };
    const deadline = performance.now() + ms;
    for (;;) {
      const got = find();
      if (got !== undefined) return got;
      if (this.error) throw this.error;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${event} event within ${ms} ms (got ${this.events.map((e) => e.event).join(", ")})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  close(): void {
    this.res?.destroy();
    this.req?.destroy();
  }
}
