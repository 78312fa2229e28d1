import { Writable } from 'node:stream';
import { createRelay, signedCodec } from '@passport-relay/core';
import { pinoPassportMixin } from '@passport-relay/logging';
import pino from 'pino';
import { coreServer, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const lines = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(JSON.parse(chunk.toString()));
    done();
  },
});
const log = pino({ mixin: pinoPassportMixin(relay, { fields: ['sub', 'tenant'] }) }, sink);
coreServer(relay, async () => {
  log.info('order placed');
  await new Promise((resolve) => setImmediate(resolve));
  return { owner: relay.current()?.sub, logged: lines.splice(0).map((line) => line.passport) };
});
