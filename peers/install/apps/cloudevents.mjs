// The cloudevents README's quick start: an event sent inside a request reaches a Knative sink
// (plain node:http here) that runs as the sender.
import { createServer } from 'node:http';
import { cloudEventSink, withPassport } from '@passport-relay/cloudevents';
import { createRelay, signedCodec } from '@passport-relay/core';
import { CloudEvent, HTTP } from 'cloudevents';
import { coreServer, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
  propagateTo: ['127.0.0.1'],
});
let seen;
const receive = cloudEventSink(relay, () => {
  seen = relay.require().sub;
});
const sink = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const { status, headers, body } = await receive({
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  });
  res.writeHead(status, headers);
  res.end(body);
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${sink.address().port}/`;
coreServer(relay, async () => {
  const event = new CloudEvent({ type: 'shop.order.created', source: '/orders', data: {} });
  const message = HTTP.binary(withPassport(relay, event, sinkUrl));
  const response = await fetch(sinkUrl, {
    method: 'POST',
    headers: message.headers,
    body: message.body,
  });
  return { owner: seen, sinkStatus: response.status };
});
