// deque: Python's collections.deque as an output queue's entries (async_chat.producer_fifo), O(1) at both ends.

/**
 * The deque operations asynchat and its ports use. `length` replaces Python's truthiness
 * (`if self.producer_fifo:` becomes `if (this.producer_fifo.length)`); `at(0)`/`set(0, x)`
 * replace `fifo[0]`; `popleft()` replaces `del fifo[0]`.
 */
export class deque<T> implements Iterable<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  constructor(items?: Iterable<T>) {
    if (items) for (const x of items) this.items.push(x);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  append(item: T): void {
    this.items.push(item);
  }

  appendleft(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
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
    if (this.length === 0) throw new RangeError("pop from an empty deque");
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  pop(): T {
    if (this.length === 0) throw new RangeError("pop from an empty deque");
    const item = this.items.pop() as T;
    if (this.length === 0) this.clear();
    return item;
  }

  /** `fifo[i]`; negative indexes count from the end, as in Python. */
  at(index: number): T {
    const i = index < 0 ? this.items.length + index : this.head + index;
    if (i < this.head || i >= this.items.length) throw new RangeError("deque index out of range");
    return this.items[i] as T;
  }

  /** `fifo[i] = item`. */
  set(index: number, item: T): void {
    const i = index < 0 ? this.items.length + index : this.head + index;
    if (i < this.head || i >= this.items.length) throw new RangeError("deque index out of range");
    this.items[i] = item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
