// The amqp README's quick start: publish inside a request; the consumer runs as the publisher.
import { consumeWithPassport, installChannelPassport } from '@passport-relay/amqp';
import { createRelay, signedCodec } from '@passport-relay/core';
import amqplib from 'amqplib';
import { coreServer, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const connection = await amqplib.connect(process.env.AMQP_URL);
const publisher = await connection.createConfirmChannel();
await publisher.assertQueue('emails');
installChannelPassport(relay, publisher, { propagateTo: ['queue:emails'] });
const waiting = new Map();
const consumer = await connection.createChannel();
await consumeWithPassport(relay, consumer, 'emails', (message) => {
  waiting.get(message.content.toString())?.(relay.require().sub);
});
let sent = 0;
coreServer(relay, async () => {
  const id = String(++sent);
  const handled = new Promise((resolve) => waiting.set(id, resolve));
  publisher.sendToQueue('emails', Buffer.from(id));
  return { owner: await handled };
});
