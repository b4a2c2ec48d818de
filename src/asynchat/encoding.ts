// Python's bytes(text, encoding) for async_chat's use_encoding: the codecs module, strict.
import { encode as codecs_encode } from "./codecs.js";

/** `bytes(text, encoding)`, strict like Python: UnicodeEncodeError or LookupError with Python's messages. */
export function encode(text: string, encoding: string): Buffer {
  return codecs_encode(text, encoding, "strict");
}
