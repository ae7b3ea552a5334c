// The deployed entry: built at init, the JWKS fetched before the first request (top-level await).
import { createContainer } from './container';

const container = createContainer(process.env);
await container.warmUp();

export const handler = container.handler;
