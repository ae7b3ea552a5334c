// `node api-host.mjs <bundle.mjs>`: the local HTTP API in front of it, as local/cli/dev-stack.ts
// runs it; reports its URL on fd 3, stops when stdin closes.
import { pathToFileURL } from 'node:url';
import { HttpApiGateway, type HttpApiHandler } from '../local/aws/http-api-gateway';
import { DEFAULT_LOCAL_ORIGINS, localCors, routesFor } from '../local/cli/dev-stack';
import { stopWhenStdinCloses, writeReport } from './event';

const [bundle = ''] = process.argv.slice(2);
const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: HttpApiHandler };
const gateway = new HttpApiGateway({
  routes: routesFor(handler),
  cors: localCors(DEFAULT_LOCAL_ORIGINS),
});
const { url } = await gateway.start(0);
stopWhenStdinCloses(() => gateway.stop());
writeReport({ url });
