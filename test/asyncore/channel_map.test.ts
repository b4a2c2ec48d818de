// ChannelMap (src/asyncore/channel_map.ts): a Map in every observable way, whose arrays hold its entries in its order.
import { expect } from "chai";
import { ChannelMap, type Channel } from "../../src/asyncore/index.js";
import { prng, rand_int } from "../helpers/chat.js";

/** A stand-in channel: ChannelMap never calls it. */
function channel(name: string): Channel {
  return { name } as unknown as Channel;
}

/** The entries the arrays hold, holes left out, in place order. */
function places(m: ChannelMap): [number, Channel][] {
  const out: [number, Channel][] = [];
  m._channels.forEach((ch, i) => {
    if (ch !== null) out.push([m._fds[i] as number, ch]);
  });
  return out;
}

describe("ChannelMap: the same as a Map under any sequence of operations", () => {
  it("10,000 random set / re-set / delete / clear operations, keys -1 and NaN among them: same entries, order, size and answers as a Map, and its arrays hold them in order", () => {
    const plain = new Map<number, Channel>();
    const m = new ChannelMap();
    const rnd = prng(7);
    const next = (n: number): number => rand_int(rnd, 0, n - 1);
    let squeezed = 0;
    for (let op = 0; op < 10_000; op++) {
      // -1 (what a hole holds) and NaN (which indexOf() never finds) are keys too.
      const k = next(200);
      const fd = k === 0 ? -1 : k === 1 ? NaN : k;
      const roll = next(100);
      const before = m._fds.length;
      if (roll < 45) {
        const ch = channel(`c${op}`);
        expect(m.set(fd, ch)).to.equal(m);
        plain.set(fd, ch);
      } else if (roll < 99) {
        expect(m.delete(fd)).to.equal(plain.delete(fd));
      } else {
        m.clear();
        plain.clear();
      }
      if (m._fds.length < before && roll < 99) squeezed++;
      expect([...m]).to.deep.equal([...plain]);
      expect(m.size).to.equal(plain.size);
      expect(m.get(fd)).to.equal(plain.get(fd));
      expect(m.has(fd)).to.equal(plain.has(fd));
      expect(places(m)).to.deep.equal([...plain]);
      // Holes are squeezed out once they are more than 32 and a quarter of the places.
      const holes = m._fds.length - m.size;
      expect(holes <= 32 || 4 * holes <= m._fds.length, `${holes} holes in ${m._fds.length}`).to.equal(true);
    }
    // The squeeze ran, more than once.
    expect(squeezed).to.be.above(2);
  });

  it("is a Map, and takes initial entries as Map's constructor does", () => {
    const a = channel("a");
    const b = channel("b");
    const m = new ChannelMap([[3, a], [1, b], [3, b]]);
    expect(m).to.be.instanceOf(Map);
    expect([...m]).to.deep.equal([[3, b], [1, b]]);
    expect(places(m)).to.deep.equal([[3, b], [1, b]]);
    expect([...new ChannelMap()]).to.deep.equal([]);
  });

  it("keeps a re-set key at its place, and puts a key deleted and set again at the end", () => {
    const [a, b, c, d] = ["a", "b", "c", "d"].map(channel) as [Channel, Channel, Channel, Channel];
    const m = new ChannelMap([[1, a], [2, b], [3, c]]);
    m.set(1, d);
    expect(places(m)).to.deep.equal([[1, d], [2, b], [3, c]]);
    m.delete(1);
    m.set(1, a);
    expect(places(m)).to.deep.equal([[2, b], [3, c], [1, a]]);
    expect([...m.keys()]).to.deep.equal([2, 3, 1]);
  });
});

describe("ChannelMap: changed through Map.prototype's own methods", () => {
  it("its arrays are made again from the Map at the next walk, or at the next delete or re-set that misses", () => {
    const [a, b, c] = ["a", "b", "c"].map(channel) as [Channel, Channel, Channel];
    const m = new ChannelMap([[1, a], [2, b]]);
    Map.prototype.set.call(m, 3, c);
    m._walk();
    m._walked();
    expect(places(m)).to.deep.equal([[1, a], [2, b], [3, c]]);
    Map.prototype.delete.call(m, 1);
    Map.prototype.set.call(m, 4, a);
    // Same size: the walk cannot tell; the delete of a key the arrays lost can.
    m._walk();
    m._walked();
    Map.prototype.delete.call(m, 2);
    Map.prototype.set.call(m, 2, b);
    expect(m.delete(4)).to.equal(true);
    expect(places(m)).to.deep.equal([...m]);
    expect([...m.keys()]).to.deep.equal([3, 2]);
  });
});

describe("ChannelMap: a walk in progress keeps its places", () => {
  it("while walked, deletes leave holes and clear() empties every place; squeezed only after", () => {
    const m = new ChannelMap();
    for (let fd = 0; fd < 100; fd++) m.set(fd, channel(`c${fd}`));
    m._walk();
    for (let fd = 0; fd < 90; fd++) m.delete(fd);
    // Place 95 still holds fd 95: a walk at place 50 goes on to it.
    expect(m._fds.length).to.equal(100);
    expect(m._fds[95]).to.equal(95);
    expect(m._channels[10]).to.equal(null);
    m.set(200, channel("new"));
    expect(m._fds[100]).to.equal(200);
    m._walked();
    // The first delete after the walk squeezes.
    m.delete(91);
    expect(m._fds).to.deep.equal([90, 92, 93, 94, 95, 96, 97, 98, 99, 200]);
    expect([...m.keys()]).to.deep.equal(m._fds);
    m._walk();
    m.clear();
    expect(m.size).to.equal(0);
    expect(m._channels.every((ch) => ch === null)).to.equal(true);
    m._walked();
    m.set(5, channel("again"));
    expect(places(m).map(([fd]) => fd)).to.deep.equal([5]);
  });
});
