// Readiness of an emulated descriptor: Linux poll() flags, and the watchers that hear of changes.

export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const POLLRDNORM = 0x040;
export const POLLRDBAND = 0x080;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
export const POLLMSG = 0x400;
export const POLLRDHUP = 0x2000;

/** Something told when a descriptor's readiness may have changed (select waits, poll objects). */
export interface Watcher {
  /** Whose watch this is (a select's or a poll object's), for Pollable.watcher_of(). */
  readonly owner?: unknown;
  changed(p: Pollable): void;
}

/**
 * A descriptor that select/poll can watch. Subclasses call `notify()` on every change that can
 * make them ready; a watcher re-reads `poll_flags()`, so a spurious notify costs only a check.
 */
export abstract class Pollable {
  /**
   * The first watcher, held without an array: a descriptor almost always has one (its map's
   * selector or poll registration), and an array per socket costs two objects.
   */
  private watcher: Watcher | null = null;
  /** Watchers after the first, in the order they came. */
  private others: Watcher[] | null = null;

  abstract fileno(): number;
  /** Current revents, as Linux's poll() would report them. */
  abstract poll_flags(): number;

  watch(w: Watcher): void {
    if (this.watcher === null) this.watcher = w;
    else (this.others ??= []).push(w);
  }

  /** The first of this descriptor's watchers that `owner` made, if any. */
  watcher_of(owner: unknown): Watcher | null {
    const w = this.watcher;
    if (w !== null && w.owner === owner) return w;
    const os = this.others;
    if (os !== null) for (const o of os) if (o.owner === owner) return o;
    return null;
  }

  unwatch(w: Watcher): void {
    // The latest registration of `w` goes first, as a lastIndexOf over all of them would find it.
    const os = this.others;
    if (os !== null) {
      const i = os.lastIndexOf(w);
      if (i >= 0) {
        os.splice(i, 1);
        if (os.length === 0) this.others = null;
        return;
      }
    }
    if (this.watcher === w) {
      this.watcher = os === null ? null : (os.shift() as Watcher);
      if (os !== null && os.length === 0) this.others = null;
    }
  }

  /**
   * Another object now stands for this descriptor (the ssl layer's wrap): its watchers follow it
   * and are told at once, so a registration made before the wrap reads the new object.
   */
  protected hand_watchers_to(next: Pollable): void {
    if (this.watcher !== null) next.watch(this.watcher);
    if (this.others !== null) for (const w of this.others) next.watch(w);
    this.watcher = null;
    this.others = null;
    next.notify();
  }

  protected notify(): void {
    const os = this.others;
    // Index loop, latest first: a watcher may unwatch itself while being told.
    if (os !== null) for (let i = os.length - 1; i >= 0; i--) os[i]?.changed(this);
    // Read after the others: one of them may have unwatched the first (never tell a watcher gone).
    this.watcher?.changed(this);
  }
}
