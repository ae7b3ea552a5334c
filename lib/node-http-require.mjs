// Bundled in place of `node:http` and `http`: loaded with `require`, not through its ESM facade,
// whose lazy `WebSocket` getters load and compile undici on Node 22 (~8 ms of every cold start;
// nodejs/node#57649). esbuild fails the build if the bundle imports a name missing here.
import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('node:http');

export default http;
export const {
  Agent,
  ClientRequest,
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
  createServer,
  get,
  request,
  validateHeaderName,
  validateHeaderValue,
} = http;
