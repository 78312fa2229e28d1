import { loopbackAgent } from '@passport-relay/testing';
import { describeOutboundAdapter } from '@passport-relay/testing/conformance';
import axios from 'axios';
import { installAxiosPropagation } from '../src/index.js';
import { loopbackDispatcher } from './helpers.js';
import { VARIANTS } from './variants.js';

for (const variant of VARIANTS) {
  describeOutboundAdapter(`@passport-relay/axios, ${variant.name}`, {
    install: (relay) => installAxiosPropagation(relay, { axios }),
    followsRedirects: true,
    async get({ url, headers, connectTo }) {
      const instance = variant.instance();
      const reroute = connectTo !== undefined;
      const agent = reroute && variant.adapter === 'http' ? loopbackAgent(connectTo) : undefined;
      const dispatcher =
        reroute && variant.adapter === 'fetch' ? loopbackDispatcher(connectTo) : undefined;
      try {
        await instance.get(url, {
          ...variant.config,
          ...(headers && { headers }),
          ...(agent && { httpAgent: agent }),
          ...(dispatcher && { fetchOptions: { dispatcher } }),
        });
      } finally {
        agent?.destroy();
        await dispatcher?.close();
      }
    },
  });
}
