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
  changed(p: Pollable): void;
}

/**
 * A descriptor that select/poll can watch. Subclasses call `notify()` on every change that can
 * make them ready; a watcher re-reads `poll_flags()`, so a spurious notify costs only a check.
 */
export abstract class Pollable {
  private watchers: Watcher[] = [];

  abstract fileno(): number;
  /** Current revents, as Linux's poll() would report them. */
  abstract poll_flags(): number;

  watch(w: Watcher): void {
    // The first watcher gets an array of its size: a push onto [] reserves 17 slots, and a
    // descriptor almost always has one watcher (its map's selector).
    if (this.watchers.length === 0) this.watchers = [w];
    else this.watchers.push(w);
  }

  unwatch(w: Watcher): void {
    const i = this.watchers.lastIndexOf(w);
    if (i >= 0) this.watchers.splice(i, 1);
  }

  /**
   * Another object now stands for this descriptor (the ssl layer's wrap): its watchers follow it
   * and are told at once, so a registration made before the wrap reads the new object.
   */
  protected hand_watchers_to(next: Pollable): void {
    next.watchers = next.watchers.length === 0 ? this.watchers : next.watchers.concat(this.watchers);
    this.watchers = [];
    next.notify();
  }

  protected notify(): void {
    const ws = this.watchers;
    // Index loop: a watcher may unwatch itself while being told.
    for (let i = ws.length - 1; i >= 0; i--) ws[i]?.changed(this);
  }
}
