// The inspect layer: a loop inspector any program adds to its map, with step mode from the page.
export { inspect, type Inspector, type InspectOptions } from "./server.js";
export { Recorder, to_record, type RecorderOptions } from "./recorder.js";
export { channel_state, terminator_repr } from "./channel_state.js";
export { event_frame, offer, type EventSink } from "./events.js";
export { page_html } from "./page.js";
export { pause, step, resume, step_status, type StepStatus } from "../asyncore/index.js";
export type { Action, Cell, ChannelRow, ChannelState, Control, IterationRecord, Snapshot } from "./protocol.js";
