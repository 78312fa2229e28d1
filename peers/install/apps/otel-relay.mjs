import { createRelay, signedCodec } from '@passport-relay/core';
import { otelContextStore } from '@passport-relay/otel';
import { PUBLIC_KEYS } from './common.mjs';

export const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
  store: otelContextStore(),
});
