import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import { request } from 'undici';
import { coreServer, downstream, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
  forwardHeaders: TRACING_HEADERS,
});
installGlobalFetchPropagation(relay);
const stock = await downstream();
coreServer(relay, async () => {
  await (await fetch(stock.url)).text(); // global fetch
  await (await request(stock.url)).body.text(); // npm undici, global dispatcher
  return { owner: relay.current()?.sub, downstream: stock.seen.splice(0) };
});
