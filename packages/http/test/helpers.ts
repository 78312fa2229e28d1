import http from 'node:http';
import net from 'node:net';
import type { Relay } from '@passport-relay/core';
import type { RecordedRequest } from '@passport-relay/testing';

/** Run `fn` as the caller who sent `token`, the way an inbound adapter does. */
export function asCaller<R>(relay: Relay, token: string, fn: () => R): R {
  return relay.runWith(relay.extract({ passport: token }), fn);
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
 * An agent that sends every request to a loopback port whatever host the request names, so a
 * decision about a metadata host can be tested end to end without traffic leaving loopback.
 */
export function loopbackAgent(port: number): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = () => net.connect({ port, host: '127.0.0.1' });
  return agent;
}

/** Resolve with the response body of a request once it has fully arrived. */
export function bodyOf(request: http.ClientRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response: http.IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
      response.on('error', reject);
    });
  });
}
