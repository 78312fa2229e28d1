import { loopbackAgent } from '@passport-relay/testing';
import { describeOutboundAdapter } from '@passport-relay/testing/conformance';
import { installHttpPropagation } from '../src/index.js';
import { CLIENTS } from './clients.js';

for (const client of CLIENTS) {
  describeOutboundAdapter(`@passport-relay/http with ${client.name}`, {
    install: (relay) => installHttpPropagation(relay),
    followsRedirects: client.followsRedirects,
    async get({ url, headers, connectTo }) {
      const agent = connectTo === undefined ? undefined : loopbackAgent(connectTo);
      try {
        await client.get(url, { ...(headers && { headers }), ...(agent && { agent }) });
      } finally {
        agent?.destroy();
      }
    },
  });
}
