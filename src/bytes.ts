// b`...`: Python's bytes literals as latin-1 Buffers.

/** `b\`HELO ${name}\r\n\`` → Buffer (latin-1, so each char is one byte, as Python's b"..."). */
export function b(strings: TemplateStringsArray | string, ...values: unknown[]): Buffer {
  if (typeof strings === "string") return Buffer.from(strings, "latin1");
  let s = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) s += String(values[i]) + (strings[i + 1] ?? "");
  return Buffer.from(s, "latin1");
}
