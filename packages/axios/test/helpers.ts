import http from 'node:http';
import net from 'node:net';
import type { Relay } from '@passport-relay/core';
import type { RecordedRequest } from '@passport-relay/testing';

/** Run `fn` as the caller who sent these inbound headers, the way an inbound adapter does. */
export function asCaller<R>(relay: Relay, inbound: Record<string, string>, fn: () => R): R {
  return relay.runWith(relay.extract(inbound), fn);
}

/** How many times a header arrived (any case), from the raw header list. */
export function headerCount(request: RecordedRequest, name: string): number {
  let count = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]?.toLowerCase() === name) count++;
  }
  return count;
}

/** Run `task(0..count-1)` with at most `limit` in flight; resolves when all are done. */
export async function runBounded(
  count: number,
  limit: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) await task(next++);
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** The call index a request carries in its path, `/call/<index>`. */
export function callIndex(request: RecordedRequest): number {
  return Number(/\/call\/(\d+)/.exec(request.url)?.[1] ?? -1);
}

/**
 * For the http adapter: an agent that connects to a loopback port whatever host the request names,
 * so a decision about a metadata host is tested end to end without traffic leaving loopback.
 */
export function loopbackAgent(port: number): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = () => net.connect({ port, host: '127.0.0.1' });
  return agent;
}

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
 * For the fetch adapter: the same, as an undici `Agent` of Node's own bundled undici (the class of
 * the global dispatcher), so Node's fetch accepts it as `fetchOptions.dispatcher`.
 */
export function loopbackDispatcher(port: number): UndiciAgent {
  const global = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
  const Agent = (global as { constructor: UndiciAgentClass }).constructor;
  return new Agent({
    connect: (_options, callback) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    },
  });
}
