import { createServer } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now, for servers (brokers) that cannot listen on port 0 and
 * report back. The port is released before it is returned, so start the server promptly.
 * @example
 * ```ts
 * const port = await freeLoopbackPort();
 * ```
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('freeLoopbackPort: no port was assigned'));
      });
    });
  });
}
