// Server-sent events for the page: the frame of one event, and the bound on what waits for a slow page.

/** A page's event stream as the bound sees it: bytes waiting, events missed, and the push. */
export interface EventSink {
  /** Bytes pushed that the socket has not taken yet. */
  readonly queued: number;
  /** Events missed since the last one that got through. */
  dropped: number;
  write_out(data: Buffer): void;
}

/** `event: NAME` and its JSON on one `data:` line (JSON has no raw newline). */
export function event_frame(event: string, data: unknown): Buffer {
  return Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, "utf8");
}

/**
 * Offer one event to a page. When more than `limit` bytes would wait for it, the event is dropped
 * and counted: a page that reads slower than the loop runs cannot grow the server's memory.
 * Once there is room again, the page first gets `dropped` ({ events: k }), its cue to re-read
 * /snapshot, then the event. True if the event was queued.
 */
export function offer(sink: EventSink, frame: Buffer, limit: number): boolean {
  if (sink.dropped > 0) {
    const note = event_frame("dropped", { events: sink.dropped });
    if (sink.queued + note.length + frame.length > limit) {
      sink.dropped++;
      return false;
    }
    sink.dropped = 0;
    sink.write_out(note);
  } else if (sink.queued + frame.length > limit) {
    sink.dropped++;
    return false;
  }
  sink.write_out(frame);
  return true;
}
