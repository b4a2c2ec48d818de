// The asyncore layer: Python's asyncore module.
export { socket_map, wake, iterations, type SocketMap, type Channel } from "./map.js";
export { ChannelMap } from "./channel_map.js";
export { ExitNow, _DISCONNECTED } from "./errors.js";
export { NotImplementedError } from "../errno/index.js";
export { compact_traceback, current_error, type CompactTraceback, type TracebackEntry } from "./traceback.js";
export { read, write, _exception, readwrite } from "./dispatch.js";
export { poll, poll2, poll3, loop, close_all, type LoopOptions } from "./loop.js";
export {
  pause, step, resume, step_status, set_aside, on_step_change, aside_only, is_aside, type StepStatus,
} from "./step.js";
export { dispatcher, type SocketLike } from "./dispatcher.js";
export {
  output_queue, type output_entry, type producer, type encoder, type sender, type flush_result,
} from "./output_queue.js";
export { deque } from "./deque.js";
export { dispatcher_with_send } from "./dispatcher_with_send.js";
export { file_wrapper, type FileSource } from "./file_wrapper.js";
export { file_dispatcher } from "./file_dispatcher.js";
export { run_workers, type WorkerOptions, type WorkerSharing } from "./workers.js";
export {
  add_observer, type IterationTrace, type Observer, type ObserverOptions, type Dispatch, type Action,
  type ChannelRef,
} from "./trace.js";

export { dispatcher as Dispatcher } from "./dispatcher.js";
export { dispatcher_with_send as DispatcherWithSend } from "./dispatcher_with_send.js";
export { file_dispatcher as FileDispatcher } from "./file_dispatcher.js";
export { file_wrapper as FileWrapper } from "./file_wrapper.js";
export { format_iteration, type FormatOptions } from "./trace_format.js";
