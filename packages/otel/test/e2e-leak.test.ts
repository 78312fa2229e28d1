import {
  createTestRelay,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { otelContextStore } from '../src/index.js';
import { CLIENTS, type Client, get } from './support/clients.js';
import { startTestSdk, type TestSdk } from './support/otel-sdk.js';
import { installOutboundHooks } from './support/outbound-hooks.js';
import { listen, type TestServer } from './support/servers.js';

// The full OpenTelemetry Node SDK with its http and undici instrumentations runs, and the passport
// still goes only where propagateTo allows: 127.0.0.1 yes, 127.0.0.2 never.

const { relay } = createTestRelay({ store: otelContextStore(), propagateTo: ['127.0.0.1'] });
let sdk: TestSdk;
let uninstallHooks: () => void;
let allowed: RecordingServer;
let denied: RecordingServer;
let service: TestServer;

beforeAll(async () => {
  sdk = startTestSdk(relay, { baggage: { tenant: 'tenant.id' }, spanAttributes: true });
  uninstallHooks = installOutboundHooks(relay);
  allowed = await startRecordingServer({ host: '127.0.0.1' });
  denied = await startRecordingServer({ host: '127.0.0.2' });
  // A service that, inside one request, calls each `url` it is given with `client`, in order.
  service = await listen(async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://service').searchParams;
    for (const url of query.getAll('url')) await get(query.get('client') as Client, url);
    res.end();
  });
});
beforeEach(() => {
  allowed.requests.length = 0;
  denied.requests.length = 0;
});
afterAll(async () => {
  uninstallHooks();
  await service.close();
  await allowed.close();
  await denied.close();
  await sdk.shutdown();
});

/** Send the service a request as user-1; it makes its calls inside that request. */
async function serve(client: Client, urls: readonly string[]): Promise<string> {
  const passport = relay.issue({ sub: 'user-1', tenant: 't1' });
  const query = new URLSearchParams({ client });
  for (const url of urls) query.append('url', url);
  const response = await fetch(`${service.origin}/?${query}`, { headers: { passport } });
  expect(response.status).toBe(200);
  return passport;
}

describe.each(CLIENTS)('with the OTel SDK running, %s', (client) => {
  it('sends the passport to the allowed host and none to 127.0.0.2 in the same request', async () => {
    const passport = await serve(client, [`${allowed.origin}/`, `${denied.origin}/`]);
    expect(allowed.received('passport')).toEqual([passport]);
    expect(denied.received('passport')).toEqual([undefined]);
  });

  it('still lets OTel send 127.0.0.2 the trace context', async () => {
    await serve(client, [`${denied.origin}/`]);
    expect(denied.received('traceparent')).toEqual([expect.stringMatching(/^00-[0-9a-f]{32}-/)]);
  });

  it('lets opted-in baggage reach 127.0.0.2 too: why baggage is opt-in and field by field', async () => {
    await serve(client, [`${denied.origin}/`]);
    expect(denied.received('baggage')).toEqual(['tenant.id=t1']);
  });
});

describe.each(['fetch', 'axios'] as const)('through a redirect, %s', (client) => {
  it('drops the passport on the hop from the allowed host to 127.0.0.2', async () => {
    const hop = `${allowed.origin}/redirect?to=${encodeURIComponent(`${denied.origin}/landed`)}`;
    const passport = await serve(client, [hop]);
    expect(allowed.received('passport')).toEqual([passport]);
    expect(denied.requests.map((request) => request.url)).toEqual(['/landed']);
    expect(denied.received('passport')).toEqual([undefined]);
  });
});
