// The wait timer (Sleeper) and wait_for_change, on sinon's fake clock: when a wait ends, which
// timers it arms, and when its timer keeps the process alive.
import { expect } from "chai";
import * as sinon from "sinon";
import { Sleeper, wait_for_change } from "../../src/select/wait.js";
import { POLLIN, Pollable } from "../../src/socket/index.js";
import { settles_at, tracked } from "../helpers/fake_clock.js";

/** Node's cap for one timer (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/** A descriptor whose readiness the test changes by hand. */
class Knob extends Pollable {
  flags = 0;
  fileno(): number {
    return -1;
  }
  poll_flags(): number {
    return this.flags;
  }
  set(flags: number): void {
    this.flags = flags;
    this.notify();
  }
}

describe("select/wait: Sleeper on a fake clock", () => {
  const sandbox = sinon.createSandbox();
  let clock: sinon.SinonFakeTimers;
  /** Every timer the code under test armed, in order. */
  let armed: sinon.SinonSpy<Parameters<typeof setTimeout>, NodeJS.Timeout>;
  let cleared: sinon.SinonSpy;
  let sleeper: Sleeper;

  beforeEach(() => {
    clock = sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    armed = sandbox.spy(globalThis, "setTimeout") as unknown as typeof armed;
    cleared = sandbox.spy(globalThis, "clearTimeout");
    sleeper = new Sleeper();
  });

  afterEach(() => {
    sleeper.dispose();
    sandbox.restore();
  });

  it("sleep(ms) resolves when ms have passed, not a millisecond earlier", async () => {
    await settles_at(clock, sleeper.sleep(100), 100);
    expect(armed.callCount).to.equal(1);
    expect(armed.firstCall.args[1]).to.equal(100);
  });

  it("wake() ends the wait in progress at once, and is a no-op when nothing waits", async () => {
    sleeper.wake(); // nothing waits: the next sleep is not cut short by it
    const w = tracked(sleeper.sleep(1000));
    await clock.tickAsync(10);
    expect(w.settled()).to.equal(false);
    sleeper.wake();
    await w.p;
    expect(clock.now).to.equal(10);
  });

  it("sleep(null) waits until wake(); its timer is re-armed at Node's cap and never ends the wait", async () => {
    const w = tracked(sleeper.sleep(null));
    expect(armed.firstCall.args[1]).to.equal(MAX_TIMER_MS);
    await clock.tickAsync(MAX_TIMER_MS);
    expect(w.settled()).to.equal(false);
    expect(armed.callCount).to.equal(2);
    expect(clock.countTimers()).to.equal(1);
    sleeper.wake();
    await w.p;
  });

  it("a wait longer than Node's cap ends at its own deadline", async () => {
    const ms = MAX_TIMER_MS + 5000;
    const w = tracked(sleeper.sleep(ms));
    await clock.tickAsync(ms - 1);
    expect(w.settled()).to.equal(false);
    await clock.tickAsync(1);
    expect(w.settled()).to.equal(true);
    expect(armed.args.map((a) => a[1])).to.deep.equal([MAX_TIMER_MS, 5000]);
  });

  it("waits with the same timeout, each woken early, keep the one armed timer (no timer call per wait)", async () => {
    for (let i = 0; i < 5; i++) {
      const w = sleeper.sleep(1000);
      await clock.tickAsync(10);
      sleeper.wake();
      await w;
    }
    expect(armed.callCount).to.equal(1);
    expect(cleared.callCount).to.equal(0);
    expect(clock.countTimers()).to.equal(1);
  });

  it("a wait whose deadline is after the armed timer's is re-armed for the rest when that timer fires", async () => {
    const first = sleeper.sleep(1000);
    await clock.tickAsync(400);
    sleeper.wake();
    await first;
    const w = tracked(sleeper.sleep(1000)); // deadline 1400; the timer fires at 1000
    await clock.tickAsync(600);
    expect(w.settled()).to.equal(false);
    expect(armed.args.map((a) => a[1])).to.deep.equal([1000, 400]);
    await clock.tickAsync(399);
    expect(w.settled()).to.equal(false);
    await clock.tickAsync(1);
    expect(w.settled()).to.equal(true);
  });

  it("a wait whose deadline is before the armed timer's arms a new timer in its place", async () => {
    const first = sleeper.sleep(1000);
    sleeper.wake();
    await first;
    const w = tracked(sleeper.sleep(50));
    expect(armed.args.map((a) => a[1])).to.deep.equal([1000, 50]);
    expect(cleared.callCount).to.equal(1);
    expect(clock.countTimers()).to.equal(1);
    await clock.tickAsync(50);
    expect(w.settled()).to.equal(true);
  });

  it("its timer keeps the process alive only while a wait is in progress or a loop holds it", async () => {
    const w = sleeper.sleep(1000);
    const timer = armed.firstCall.returnValue;
    expect(timer.hasRef(), "during a wait").to.equal(true);
    sleeper.wake();
    await w;
    expect(timer.hasRef(), "between waits, nobody holding").to.equal(false);

    sleeper.hold();
    const w2 = sleeper.sleep(1000);
    expect(timer.hasRef(), "during a held wait").to.equal(true);
    sleeper.wake();
    await w2;
    expect(timer.hasRef(), "between waits of a holding loop").to.equal(true);
    sleeper.release();
    expect(timer.hasRef(), "after release").to.equal(false);
  });

  it("dispose() stops the timer", () => {
    void sleeper.sleep(1000);
    expect(clock.countTimers()).to.equal(1);
    sleeper.dispose();
    expect(clock.countTimers()).to.equal(0);
  });
});

describe("select/wait: wait_for_change on a fake clock", () => {
  const sandbox = sinon.createSandbox();
  let clock: sinon.SinonFakeTimers;
  let sleeper: Sleeper;

  beforeEach(() => {
    clock = sandbox.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    sleeper = new Sleeper();
  });

  afterEach(() => {
    sleeper.dispose();
    sandbox.restore();
  });

  it("ends when any target notifies, and stops watching every target", async () => {
    const a = new Knob();
    const b = new Knob();
    const watch = [sandbox.spy(a, "unwatch"), sandbox.spy(b, "unwatch")];
    const w = tracked(wait_for_change([a, b], 1000, sleeper));
    await clock.tickAsync(10);
    expect(w.settled()).to.equal(false);
    b.set(POLLIN);
    await w.p;
    expect(clock.now).to.equal(10);
    expect(watch.map((s) => s.callCount)).to.deep.equal([1, 1]);
    a.set(POLLIN); // no longer watched: nothing to wake
  });

  it("ends at its timeout when nothing notifies", async () => {
    const a = new Knob();
    const w = tracked(wait_for_change([a], 250, sleeper));
    await clock.tickAsync(249);
    expect(w.settled()).to.equal(false);
    await clock.tickAsync(1);
    expect(w.settled()).to.equal(true);
  });

  it("ends when its sleeper is woken (the interrupt)", async () => {
    const w = tracked(wait_for_change([new Knob()], null, sleeper));
    await clock.tickAsync(5000);
    expect(w.settled()).to.equal(false);
    sleeper.wake();
    await w.p;
    expect(clock.now).to.equal(5000);
  });
});
