// asyncore-ts: every layer as a namespace, and the b`` bytes helper.
export * as errno from "./errno/index.js";
export * as socket from "./socket/index.js";
export * as ssl from "./ssl/index.js";
export * as select from "./select/index.js";
export * as asyncore from "./asyncore/index.js";
export * as asynchat from "./asynchat/index.js";
export * as codecs from "./asynchat/codecs.js";
export { b } from "./bytes.js";
