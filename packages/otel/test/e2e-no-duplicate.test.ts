import {
  createTestRelay,
  type RecordingServer,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelContextStore } from '../src/index.js';
import { CLIENTS, get } from './support/clients.js';
import { startTestSdk, type TestSdk } from './support/otel-sdk.js';
import { installOutboundHooks } from './support/outbound-hooks.js';
import { countRaw, listen, type TestServer } from './support/servers.js';

// OTel's propagators (trace context, baggage, passport) and passport-relay's outbound hooks are all
// active at once; the receiver's raw headers show what went on the wire.

const { relay } = createTestRelay({ store: otelContextStore() });
let sdk: TestSdk;
let uninstallHooks: () => void;
let recorder: RecordingServer;
let service: TestServer;

beforeAll(async () => {
  sdk = startTestSdk(relay, { spanAttributes: true });
  uninstallHooks = installOutboundHooks(relay);
  recorder = await startRecordingServer();
  // A service whose inbound passport comes from OTel's extraction; it calls the recorder.
  service = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://service');
    const explicit = url.searchParams.get('explicit');
    const reply = await get(
      url.searchParams.get('client') as (typeof CLIENTS)[number],
      `${recorder.origin}/`,
      explicit === null ? {} : { passport: explicit },
    );
    res.writeHead(reply.status).end();
  });
});
afterAll(async () => {
  uninstallHooks();
  await service.close();
  await recorder.close();
  await sdk.shutdown();
});

async function callThroughService(client: string, passport: string, explicit?: string) {
  const query = new URLSearchParams({ client, ...(explicit === undefined ? {} : { explicit }) });
  const response = await fetch(`${service.origin}/?${query}`, { headers: { passport } });
  expect(response.status).toBe(200);
  const received = recorder.requests.at(-1);
  if (received === undefined) throw new Error('the recorder received nothing');
  return received;
}

describe.each(CLIENTS)('with OTel and passport-relay both active, %s', (client) => {
  it('sends the passport exactly once, beside exactly one traceparent', async () => {
    const passport = relay.issue({ sub: 'user-1' });
    const received = await callThroughService(client, passport);
    expect(countRaw(received.rawHeaders, 'passport')).toBe(1);
    expect(received.headers.passport).toBe(passport);
    expect(countRaw(received.rawHeaders, 'traceparent')).toBe(1);
  });

  it('sends only the passport the caller set explicitly', async () => {
    const explicit = relay.issue({ sub: 'service-account' });
    const received = await callThroughService(client, relay.issue({ sub: 'user-1' }), explicit);
    expect(countRaw(received.rawHeaders, 'passport')).toBe(1);
    expect(received.headers.passport).toBe(explicit);
  });
});
