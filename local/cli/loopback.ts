import { once } from 'node:events';
import type { Server } from 'node:http';
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

/** Drops open connections too, so tests and Ctrl-C end at once. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
