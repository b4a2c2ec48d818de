// asyncore.file_dispatcher: a dispatcher over a file_wrapper (a pipe fd, stdin, a child's stdio).
import { dispatcher } from "./dispatcher.js";
import { file_wrapper, type FileSource } from "./file_wrapper.js";
import type { SocketMap } from "./map.js";

export class file_dispatcher extends dispatcher<file_wrapper> {
  constructor(fd: FileSource, map?: SocketMap | null) {
    super(null, map);
    this.connected = true;
    this.set_file(fd);
  }

  set_file(fd: FileSource): void {
    const w = new file_wrapper(fd);
    this.socket = w;
    this._fileno = w.fileno();
    this.add_channel();
  }
}
