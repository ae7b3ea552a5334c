/**
 * The deployed entry: the container is built once, at init, and the JWKS is fetched before the
 * first request (top-level await in the ESM bundle).
 */
import { createContainer } from './container';

const container = createContainer(process.env);
await container.warmUp();

export const handler = container.handler;
