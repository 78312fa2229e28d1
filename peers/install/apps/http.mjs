import { get } from 'node:http';
import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
import { installHttpPropagation } from '@passport-relay/http';
import { coreServer, downstream, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
  forwardHeaders: TRACING_HEADERS,
});
installHttpPropagation(relay);
const stock = await downstream();
coreServer(relay, async () => {
  await new Promise((resolve, reject) =>
    get(stock.url, (res) => res.resume().on('end', resolve)).on('error', reject),
  );
  return { owner: relay.current()?.sub, downstream: stock.seen.splice(0) };
});
