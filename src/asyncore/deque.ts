// deque: Python's collections.deque as an output queue's entries (async_chat.producer_fifo), O(1) at both ends.

/**
 * The deque operations asynchat and its ports use. `length` replaces Python's truthiness
 * (`if self.producer_fifo:` becomes `if (this.producer_fifo.length)`); `at(0)`/`set(0, x)`
 * replace `fifo[0]`; `popleft()` replaces `del fifo[0]`.
 */
export class deque<T> implements Iterable<T> {
  /**
   * Slots head..tail-1 hold the items. A deque that empties goes back to head = tail = 0 and
   * keeps its array, so a queue that is filled and emptied every iteration (one reply per
   * push) allocates nothing.
   */
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  constructor(items?: Iterable<T>) {
    if (items) for (const x of items) this.append(x);
  }

  get length(): number {
    return this.tail - this.head;
  }

  append(item: T): void {
    if (this.tail === this.items.length) this.items.push(item);
    else this.items[this.tail] = item;
    this.tail++;
  }

  appendleft(item: T): void {
    if (this.head > 0) {
      this.items[--this.head] = item;
    } else {
      this.items.unshift(item);
      this.tail++;
    }
  }

  /** `fifo.extend(items)`: each appended in order. */
  extend(items: Iterable<T>): void {
    for (const x of items) this.append(x);
  }

  /** `fifo.extendleft(items)`: each prepended in turn, so they end up reversed, as in Python. */
  extendleft(items: Iterable<T>): void {
    for (const x of items) this.appendleft(x);
  }

  /** Removes and returns the first item; IndexError-like RangeError when empty, as Python. */
  popleft(): T {
    if (this.tail === this.head) throw new RangeError("pop from an empty deque");
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      // A large backlog's array is not kept for good.
      if (this.items.length > 64) this.items = [];
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      this.items = this.items.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return item;
  }

  pop(): T {
    if (this.tail === this.head) throw new RangeError("pop from an empty deque");
    const item = this.items[--this.tail] as T;
    this.items[this.tail] = undefined;
    if (this.tail === this.head) {
      this.head = 0;
      this.tail = 0;
    }
    return item;
  }

  /** `fifo[i]`; negative indexes count from the end, as in Python. */
  at(index: number): T {
    const i = index < 0 ? this.tail + index : this.head + index;
    if (i < this.head || i >= this.tail) throw new RangeError("deque index out of range");
    return this.items[i] as T;
  }

  /** `fifo[i] = item`. */
  set(index: number, item: T): void {
    const i = index < 0 ? this.tail + index : this.head + index;
    if (i < this.head || i >= this.tail) throw new RangeError("deque index out of range");
    this.items[i] = item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.tail = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.tail; i++) yield this.items[i] as T;
  }
}
