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
  /** fd → its place. */
  readonly #place = new Map<number, number>();
  #holes = 0;
  /** Passes walking the arrays now (a predicate may run a nested pass). */
  #walking = 0;

  constructor(entries?: Iterable<readonly [number, Channel]> | null) {
    // Map's constructor would call set() before the fields above exist.
    super();
    if (entries != null) for (const [fd, ch] of entries) this.set(fd, ch);
  }

  override set(fd: number, channel: Channel): this {
    const at = this.#place.get(fd);
    if (at === undefined) {
      this.#place.set(fd, this._fds.length);
      this._fds.push(fd);
      this._channels.push(channel);
    } else {
      // Map keeps a re-set key at its place.
      this._channels[at] = channel;
    }
    return super.set(fd, channel);
  }

  override delete(fd: number): boolean {
    const at = this.#place.get(fd);
    if (at === undefined) return super.delete(fd);
    this.#place.delete(fd);
    this._fds[at] = -1;
    this._channels[at] = null;
    this.#holes++;
    if (this.#walking === 0) this.#squeeze();
    return super.delete(fd);
  }

  override clear(): void {
    this.#place.clear();
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
    this.#squeeze();
    this.#walking++;
  }

  /** @internal The pass that called _walk() is done. */
  _walked(): void {
    this.#walking--;
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
      const fd = fds[i] as number;
      if (k !== i) {
        fds[k] = fd;
        chs[k] = ch;
        this.#place.set(fd, k);
      }
      k++;
    }
    fds.length = k;
    chs.length = k;
    this.#holes = 0;
  }
}
