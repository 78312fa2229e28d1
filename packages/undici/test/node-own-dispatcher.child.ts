// Run in a fresh process by install.test.ts: Node's built-in fetch runs before undici is loaded, so
// the global dispatcher is the one Node creates itself (its bundled undici). Prints JSON.
import { createTestRelay, startRecordingServer } from '@passport-relay/testing';

const server = await startRecordingServer();
await (await fetch(`${server.origin}/warm-up`)).text();
const nodeOwn = (globalThis as unknown as Record<symbol, { constructor: { name: string } }>)[
  Symbol.for('undici.globalDispatcher.1')
];

const { installGlobalFetchPropagation } = await import('../src/index.js');
const { Dispatcher, request } = await import('undici');
const { relay } = createTestRelay({ mode: 'HS256', propagateTo: ['127.0.0.1'] });
const uninstall = installGlobalFetchPropagation(relay);
const token = relay.issue({ sub: 'user-1' });
await relay.runWith(relay.extract({ passport: token }), async () => {
  await (await fetch(`${server.origin}/fetch`)).text();
  await (await request(`${server.origin}/request`)).body.text();
});
uninstall();
const restored =
  (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')] ===
  nodeOwn;
await server.close();

console.log(
  JSON.stringify({
    nodeOwnIsUndici7: nodeOwn instanceof Dispatcher,
    received: Object.fromEntries(
      server.requests.map((received) => [received.url, received.headers.passport === token]),
    ),
    restored,
  }),
);
