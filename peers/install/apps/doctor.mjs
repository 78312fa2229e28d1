// A fetch made with a passport in context and no outbound hook installed is undecided: the doctor
// must count it (fetch, because Node 20 has no channel that announces a node:http request early).
import { createRelay, signedCodec } from '@passport-relay/core';
import { installPropagationDoctor } from '@passport-relay/doctor';
import { coreServer, downstream, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const doctor = installPropagationDoctor(relay);
const stock = await downstream();
coreServer(relay, async () => {
  await (await fetch(stock.url)).text();
  return { owner: relay.current()?.sub, undecided: doctor.undecided.length };
});
