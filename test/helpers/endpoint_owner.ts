// An endpoint owner that ignores what its endpoint tells it: for tests that drive a Connection alone.
import type { EndpointOwner } from "../../src/socket/endpoint.js";
import { AF_INET } from "../../src/socket/constants.js";
import { default_options } from "../../src/socket/options.js";

/** An AF_INET owner with default options, deaf to changes, errors and warnings. */
export const quiet_owner: EndpointOwner = {
  family: AF_INET,
  options: default_options(),
  _endpoint_changed() {},
  _endpoint_error() {},
  _endpoint_warn() {},
};
