// Bundled in place of `node:http` and `http` (see lib/bundling.ts, `--alias`): the module is
// loaded with `require` instead of through its ESM facade. On Node 22, building that facade
// reads every export of `node:http`, and its lazy `WebSocket`, `CloseEvent` and `MessageEvent`
// getters then load and compile undici, which nothing here uses: ~8 ms of every cold start of
// an ESM bundle that imports `node:http` (nodejs/node#57649, #59686; measured: README
// "Performance"). `require` leaves those getters unread. The names are those the bundle's
// modules import; esbuild fails the build if one imports a name missing here.
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
