import type { Relay } from '@passport-relay/core';
import { rawHeaderValues } from '@passport-relay/testing';
import { describe, expect, it } from 'vitest';
import { asCaller, type Client, clientPerTest, clientsFor, type Servers } from './fixtures.js';
import { describeEachUndici } from './undici-versions.js';

const CALLS = 1_000;

/** Issue one passport per call, make every call concurrently as its own caller, return the tokens. */
async function concurrentCalls(
  relay: Relay,
  client: Client,
  calls: number,
  url: (i: number) => string,
): Promise<string[]> {
  const tokens = Array.from({ length: calls }, (_, i) => relay.issue({ sub: `user-${i}` }));
  const statuses = await Promise.all(
    tokens.map((token, i) => asCaller(relay, token, `req-${i}`, () => client.send(url(i)))),
  );
  expect(statuses.every((status) => status === 200)).toBe(true);
  return tokens;
}

/** For each call id, the passport and request id the server received with it; counts crossings. */
function crossings(servers: Servers, tokens: readonly string[], pathPrefix: string) {
  let crossed = 0;
  let missing = 0;
  const seen = new Set<number>();
  for (const request of servers.allowed.requests) {
    if (!request.url.startsWith(pathPrefix)) continue;
    const id = Number(request.url.slice(pathPrefix.length));
    seen.add(id);
    const passports = rawHeaderValues(request.rawHeaders, 'passport');
    const requestIds = rawHeaderValues(request.rawHeaders, 'x-request-id');
    if (passports.length === 0) missing++;
    else if (
      passports.length !== 1 ||
      passports[0] !== tokens[id] ||
      requestIds[0] !== `req-${id}`
    ) {
      crossed++;
    }
  }
  return { received: seen.size, crossed, missing };
}

describeEachUndici(({ undici }) => {
  describe.each(clientsFor(undici))('$name under concurrency', (clientCase) => {
    const fixture = clientPerTest(clientCase);

    it(`carries each of ${CALLS} concurrent callers' own passport and forwarded headers, zero crossed`, async () => {
      const { servers, relay, client } = fixture;
      const origin = servers.allowed.origin;
      const tokens = await concurrentCalls(relay, client, CALLS, (i) => `${origin}/r/${i}`);
      expect(crossings(servers, tokens, '/r/')).toEqual({
        received: CALLS,
        crossed: 0,
        missing: 0,
      });
    }, 60_000);
  });

  describe.each(clientsFor(undici).filter((clientCase) => clientCase.followsRedirects))(
    '$name following redirects under concurrency',
    (clientCase) => {
      const fixture = clientPerTest(clientCase);

      it('carries each caller’s own passport on every hop, zero crossed', async () => {
        const { servers, relay, client } = fixture;
        const origin = servers.allowed.origin;
        const tokens = await concurrentCalls(
          relay,
          client,
          300,
          (i) => `${origin}/redirect?to=${encodeURIComponent(`${origin}/landed/${i}`)}`,
        );
        expect(crossings(servers, tokens, '/landed/')).toEqual({
          received: 300,
          crossed: 0,
          missing: 0,
        });
      }, 60_000);
    },
  );
});
