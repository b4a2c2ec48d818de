// The errno layer: Python's errno numbers, strerror and built-in exception classes.
export * from "./codes.js";
export { Exception } from "./exception.js";
export * from "./errors.js";
