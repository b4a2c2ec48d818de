// Node behaviours the loop relies on, asserted on their own (ARCHITECTURE.md, "One yield per iteration").
import { expect } from "chai";
import { nextTick } from "node:process";

describe("Node assumption: a nextTick queued from a promise reaction runs after the microtask queue drains, before any immediate", () => {
  it("ticks queued earlier run first, then the reaction's tick, then the microtasks it queued, all before an immediate queued before them", async () => {
    const log: string[] = [];
    await new Promise<void>((done) => {
      setImmediate(() => {
        log.push("immediate");
        done();
      });
      nextTick(() => log.push("earlier tick"));
      void Promise.resolve().then(() => {
        log.push("reaction");
        nextTick(() => {
          log.push("reaction's tick");
          void Promise.resolve().then(() => log.push("tick's microtask"));
        });
        void Promise.resolve().then(() => log.push("reaction's microtask"));
      });
    });
    expect(log).to.deep.equal(["earlier tick", "reaction", "reaction's microtask", "reaction's tick", "tick's microtask", "immediate"]);
  });
});
