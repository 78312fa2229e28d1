import { createRelay, signedCodec, TRACING_HEADERS } from '@passport-relay/core';
import { coreServer, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
  forwardHeaders: TRACING_HEADERS,
});
coreServer(relay, async () => ({ owner: relay.current()?.sub }));
