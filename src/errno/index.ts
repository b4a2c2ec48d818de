// The errno layer: Python's errno numbers, strerror and OS error classes.
export * from "./codes.js";
export * from "./errors.js";
