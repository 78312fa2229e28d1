import net from 'node:net';

interface UndiciAgent {
  close(): Promise<void>;
}
type UndiciAgentClass = new (options: {
  connect: (
    options: unknown,
    callback: (error: Error | null, socket: net.Socket | null) => void,
  ) => void;
}) => UndiciAgent;

/**
 * For the fetch adapter: an undici `Agent` of Node's own bundled undici (the class of the global
 * dispatcher, so Node's fetch accepts it as `fetchOptions.dispatcher`) that connects to a loopback
 * port whatever host the request names, like the kit's `loopbackAgent` does for `node:http`.
 */
export function loopbackDispatcher(port: number): UndiciAgent {
  // Node 26's fetch (undici 8) keeps its Agent in the v2 slot and a legacy wrapper in v1.
  const globals = globalThis as Record<symbol, unknown>;
  const global =
    globals[Symbol.for('undici.globalDispatcher.2')] ??
    globals[Symbol.for('undici.globalDispatcher.1')];
  const Agent = (global as { constructor: UndiciAgentClass }).constructor;
  return new Agent({
    connect: (_options, callback) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    },
  });
}
