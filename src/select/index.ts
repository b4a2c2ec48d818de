// The select layer: select() and poll() over emulated descriptors, both async.
export { select, check_timeout } from "./select.js";
export { poll, LOOK_YIELD, LOOK_YIELD_NONE, LOOK_SLEEP } from "./poll.js";
export { Selector, Next, IN_R, IN_W, IN_X } from "./selector.js";
export { KeyError } from "../errno/index.js";
export { Interrupt } from "./interrupt.js";
export { type FileLike, fd_of } from "./resolve.js";
export { yield_to_node } from "./wait.js";
export {
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM,
  POLLWRBAND, POLLMSG, POLLRDHUP,
} from "../socket/index.js";
export { OSError as error } from "../errno/index.js";
