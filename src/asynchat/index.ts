// The asynchat layer: async_chat, simple_producer, find_prefix_at_end and their helpers.
export { async_chat, AsyncChat } from "./async_chat.js";
export { simple_producer, SimpleProducer, type producer, type Producer, type fifo_entry, type BytesLike } from "./producer.js";
export { find_prefix_at_end } from "./find_prefix.js";
export { framer, type framing_target, type terminator } from "./framing.js";
export { deque } from "../asyncore/index.js";
export { encode, decode, lookup, type CodecInfo, type ErrorHandler } from "./codecs.js";
/** The codecs module as a namespace: `codecs.encode(s, "latin-1")`, `codecs.decode(b, "utf-8", "replace")`. */
export * as codecs from "./codecs.js";
export {
  NotImplementedError, UnicodeError, UnicodeEncodeError, UnicodeDecodeError, LookupError,
} from "../errno/index.js";
export { CollectLimitError } from "./errors.js";
