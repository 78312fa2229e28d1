/**
 * node:http outbound hook: wrapping `http.request`/`get` (what @passport-relay/http does) against
 * a subscriber on Node's `http.client.request.created` diagnostics channel (Node >= 22.x / 23.2),
 * both making the same relay decision. Interleaved rounds in one process, medians reported.
 *
 *   node --import tsx bench/http-hook.ts [--rounds 7] [--calls 20000]
 *
 * 1. create: build a ClientRequest on a socket that goes nowhere (an in-memory Duplex), write its
 *    headers, destroy it: the cost of the call itself, where the hook's cost is not diluted.
 * 2. loopback: GET over keep-alive to a server on 127.0.0.1 (64 in flight): what a service sees.
 */
import diagnostics from 'node:diagnostics_channel';
import http, { type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { createRelay, signedCodec } from '@passport-relay/core';
// Imported by path: the bench package does not depend on the http adapter.
import { installHttpPropagation } from '../packages/http/dist/index.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const ROUNDS = arg('rounds', 7);
const CALLS = arg('calls', 20_000);

const secret = Buffer.alloc(32, 7);
const relay = createRelay({
  codec: signedCodec({
    issuer: 'https://edge.bench',
    keys: [{ alg: 'HS256', secret }],
    signingKey: { alg: 'HS256', secret },
  }),
});
const token = relay.issue({ sub: 'user-1' });
const context = relay.extract({ passport: token });

const ACCESS = {
  has: (request: ClientRequest, name: string) => request.hasHeader(name),
  set: (request: ClientRequest, name: string, value: string) => {
    request.setHeader(name, value);
  },
};

/** The channel variant: the same decision, made on the ClientRequest Node has just built. */
function installChannelHook(): () => void {
  const onCreated = (message: unknown) => {
    const request = (message as { request: ClientRequest & { host?: string } }).request;
    // With array headers Node has written them already: nothing can be added (or removed).
    if (request.headersSent) return;
    relay.propagate({ hostname: request.host ?? '' }, request, ACCESS);
  };
  diagnostics.subscribe('http.client.request.created', onCreated);
  return () => diagnostics.unsubscribe('http.client.request.created', onCreated);
}

const VARIANTS: Record<string, () => () => void> = {
  none: () => () => {},
  wrapper: () => installHttpPropagation(relay),
  channel: installChannelHook,
};

const nowhere = () =>
  new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

function createCalls(calls: number): number {
  const start = process.hrtime.bigint();
  relay.runWith(context, () => {
    for (let i = 0; i < calls; i++) {
      const request = http.request({
        host: '127.0.0.1',
        port: 9,
        path: '/orders',
        createConnection: nowhere,
      } as http.RequestOptions);
      request.on('error', () => {});
      request.end();
      if (i === 0 && request.getHeader('passport') === undefined && currentName !== 'none') {
        throw new Error(`${currentName}: no passport was added`);
      }
      request.destroy();
    }
  });
  return Number(process.hrtime.bigint() - start) / calls; // ns per call
}

let currentName = 'none';

async function loopbackCalls(origin: string, agent: http.Agent, calls: number): Promise<number> {
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${origin}/orders`, { agent }, (response) => {
          response.resume().on('end', resolve);
        })
        .on('error', reject);
    });
  const start = process.hrtime.bigint();
  await relay.runWith(context, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next++ < calls) await one();
      }),
    );
  });
  return Number(process.hrtime.bigint() - start) / calls;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main() {
  let received = 0;
  const server = http.createServer((request, response) => {
    if (request.headers.passport === token) received++;
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const names = Object.keys(VARIANTS);
  const create: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const loopback: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    // Round 0 warms up; the order rotates so no variant always runs first.
    for (const name of [
      ...names.slice(round % names.length),
      ...names.slice(0, round % names.length),
    ]) {
      currentName = name;
      const uninstall = VARIANTS[name]!();
      const before = received;
      const createNs = createCalls(CALLS);
      const loopbackNs = await loopbackCalls(origin, agent, CALLS / 4);
      uninstall();
      if (name !== 'none' && received - before !== CALLS / 4) {
        throw new Error(
          `${name}: ${received - before} of ${CALLS / 4} requests carried the passport`,
        );
      }
      if (round === 0) continue;
      create[name]!.push(createNs);
      loopback[name]!.push(loopbackNs);
    }
  }
  agent.destroy();
  server.close();

  const row = (name: string) => {
    const c = median(create[name]!);
    const l = median(loopback[name]!);
    const c0 = median(create.none!);
    const l0 = median(loopback.none!);
    return `| ${name} | ${(c / 1000).toFixed(2)} | +${((c - c0) / 1000).toFixed(2)} | ${(l / 1000).toFixed(1)} | +${((l - l0) / 1000).toFixed(1)} |`;
  };
  console.log(
    `Node ${process.version}, ${ROUNDS} rounds × ${CALLS} creates and ${CALLS / 4} loopback GETs, medians`,
  );
  console.log('| hook | create µs/call | vs none | loopback µs/request | vs none |');
  console.log('|---|---|---|---|---|');
  for (const name of names) console.log(row(name));
}

await main();
