// A socket map that also keeps its entries as two arrays in the map's order, for the loop's pass.
import type { Channel } from "./map.js";

/** Holes at most this many, or a quarter of the places, before the arrays are compacted. */
const SLACK = 32;

/**
 * A `Map` of fd → channel, exactly (get, has, size, iteration and its order are `Map`'s own), that
 * also keeps place i of the map's order as `_fds[i]` and `_channels[i]`. The loop's pass walks
 * these arrays instead of two `Map` iterators, which cost about half of its work per channel
 * (ARCHITECTURE.md, "The pass over a ChannelMap"). A deleted entry leaves a hole (`null`) at its
 * place; holes are squeezed out only while no pass is walking the arrays, so a pass sees the map
 * change under it as `Map`'s own iteration does: a deleted entry not reached is skipped, and an
 * added one (at the end) is reached.
 */
export class ChannelMap extends Map<number, Channel> {
  /** @internal Place i's fd (-1 at a hole). */
  readonly _fds: number[] = [];
  /** @internal Place i's channel (null at a hole). */
  readonly _channels: (Channel | null)[] = [];
  #holes = 0;
  /** Where the next delete looks first: the place after the last one deleted (close_all() deletes in order). */
  #hint = 0;
  /** Passes walking the arrays now (a predicate may run a nested pass). */
  #walking = 0;

  constructor(entries?: Iterable<readonly [number, Channel]> | null) {
    // Map's constructor would call set() before the fields above exist.
    super();
    if (entries != null) for (const [fd, ch] of entries) this.set(fd, ch);
  }

  override set(fd: number, channel: Channel): this {
    if (super.has(fd)) {
      super.set(fd, channel);
      // Map keeps a re-set key at its place.
      const at = this.#find(fd);
      if (at < 0) this.#resync();
      else this._channels[at] = channel;
    } else {
      super.set(fd, channel);
      this._fds.push(fd);
      this._channels.push(channel);
    }
    return this;
  }

  override delete(fd: number): boolean {
    if (!super.delete(fd)) return false;
    const at = this.#find(fd);
    if (at < 0) {
      this.#resync();
      return true;
    }
    this._fds[at] = -1;
    this._channels[at] = null;
    this.#holes++;
    this.#hint = at + 1;
    if (this.#walking === 0) this.#squeeze();
    return true;
  }

  override clear(): void {
    if (this.#walking === 0) {
      this._fds.length = 0;
      this._channels.length = 0;
      this.#holes = 0;
    } else {
      // A pass is walking: leave it holes to skip.
      this._fds.fill(-1);
      this._channels.fill(null);
      this.#holes = this._fds.length;
    }
    super.clear();
  }

  /** @internal A pass starts walking the arrays; pair with _walked() in a finally. */
  _walk(): void {
    // Out of step only if Map.prototype's own methods changed the map behind these.
    if (this._fds.length - this.#holes !== this.size) this.#resync();
    this.#squeeze();
    this.#walking++;
  }

  /** @internal The pass that called _walk() is done. */
  _walked(): void {
    this.#walking--;
  }

  /**
   * The place of `fd`, which is in the map. A search of the array rather than a second table of
   * places by fd, which would cost as much memory as the Map itself (~46 bytes per entry): only a
   * delete or a re-set searches, and a close_all()'s deletes find theirs at the hint.
   */
  #find(fd: number): number {
    const fds = this._fds;
    const chs = this._channels;
    const h = this.#hint;
    if (h < fds.length && fds[h] === fd && chs[h] !== null) return h;
    // Map's keys compare as SameValueZero: NaN finds NaN, which indexOf() never does.
    if (fd !== fd) return fds.findIndex((k, i) => k !== k && chs[i] !== null);
    let at = fds.indexOf(fd);
    // A hole holds -1 too.
    while (at >= 0 && chs[at] === null) at = fds.indexOf(fd, at + 1);
    return at;
  }

  /** The arrays made again from the Map, for a map changed through Map.prototype's own methods. */
  #resync(): void {
    this._fds.length = 0;
    this._channels.length = 0;
    for (const [fd, ch] of super.entries()) {
      this._fds.push(fd);
      this._channels.push(ch);
    }
    this.#holes = 0;
    this.#hint = 0;
  }

  /** Squeezes the holes out once there are more than a quarter of the places (and SLACK). */
  #squeeze(): void {
    const n = this._fds.length;
    if (this.#holes <= SLACK || 4 * this.#holes <= n) return;
    const fds = this._fds;
    const chs = this._channels;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const ch = chs[i] as Channel | null;
      if (ch === null) continue;
      if (k !== i) {
        fds[k] = fds[i] as number;
        chs[k] = ch;
      }
      k++;
    }
    fds.length = k;
    chs.length = k;
    this.#holes = 0;
    this.#hint = 0;
  }
}
