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
 * Node 26's undici 8 keeps its `Agent` in the newer global slot (the older one holds a
 * `Dispatcher1Wrapper`); Node 20 to 24 keep it in the older one.
 */
export function loopbackDispatcher(port: number): UndiciAgent {
  const slots = globalThis as Record<symbol, unknown>;
  const global =
    slots[Symbol.for('undici.globalDispatcher.2')] ??
    slots[Symbol.for('undici.globalDispatcher.1')];
  const Agent = (global as { constructor: UndiciAgentClass }).constructor;
  return new Agent({
    connect: (_options, callback) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    },
  });
}
