import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export async function listenOnLoopback(
  server: Server,
  port: number,
): Promise<{ url: string; port: number }> {
  // Rejects with the server's 'error' (EADDRINUSE) instead.
  await once(server.listen(port, LOOPBACK), 'listening');
  const bound = (server.address() as AddressInfo).port;
  return { url: `http://${LOOPBACK}:${bound}`, port: bound };
}

/** `undefined` past `limit` bytes: by Content-Length before reading, else at the first byte over. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length']) > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Drops open connections too, so tests and Ctrl-C end at once. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
