/**
 * `payments`: a Fastify service that calls `users` with an axios instance. The passport rides on
 * the axios call because propagation is installed, not because this code passes it.
 */
import { installAxiosPropagation } from '@passport-relay/axios';
import { passportRelay } from '@passport-relay/fastify';
import axios from 'axios';
import Fastify from 'fastify';
import {
  config,
  DOWNSTREAM_TIMEOUT_MS,
  downstreamFailed,
  env,
  hop,
  ready,
  serviceRelay,
  stopOn,
} from '../service-kit.js';

const relay = serviceRelay();
installAxiosPropagation(relay, { axios });
const users = axios.create({ baseURL: env('USERS_URL'), timeout: DOWNSTREAM_TIMEOUT_MS });

const app = Fastify();
await app.register(passportRelay, { relay, required: (request) => request.url !== '/healthz' });

app.setErrorHandler(async (_error, _request, reply) => {
  const { status, body } = downstreamFailed('payments');
  return reply.status(status).send(body);
});

app.get('/healthz', async () => 'ok');

app.post('/pay', async () => {
  const { data } = await users.get('/profile');
  return { hop: hop(relay, 'payments', 'fastify', 'axios'), next: data };
});

const address = await app.listen({ port: config.port(), host: config.host() });
ready(Number(new URL(address).port));
stopOn(() => app.close());
