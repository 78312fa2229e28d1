import { installAxiosPropagation } from '@passport-relay/axios';
import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
import axios from 'axios';
import { coreServer, downstream, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
  forwardHeaders: TRACING_HEADERS,
});
installAxiosPropagation(relay, { axios });
const stock = await downstream();
coreServer(relay, async () => {
  await axios.get(stock.url); // http adapter
  await axios.create({ adapter: 'fetch' }).get(stock.url); // fetch adapter, created instance
  return { owner: relay.current()?.sub, downstream: stock.seen.splice(0) };
});
