// The grpc README's quick start with a JSON-serialised service (no .proto needed): the HTTP front
// calls the gRPC service in the caller's context; the service's handler reads the passport.
import {
  credentials,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
} from '@grpc/grpc-js';
import { createRelay, signedCodec } from '@passport-relay/core';
import { passportClientInterceptor, passportServerInterceptor } from '@passport-relay/grpc';
import { coreServer, PUBLIC_KEYS } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({ issuer: 'https://edge.example', keys: PUBLIC_KEYS }),
});
const json = {
  requestSerialize: (value) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (buffer) => JSON.parse(buffer.toString()),
  responseSerialize: (value) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (buffer) => JSON.parse(buffer.toString()),
};
const OrdersService = {
  get: { path: '/shop.Orders/Get', requestStream: false, responseStream: false, ...json },
};

const server = new Server({ interceptors: [passportServerInterceptor(relay)] });
server.addService(OrdersService, {
  get(call, callback) {
    callback(null, { owner: relay.require().sub, id: call.request.id });
  },
});
const port = await new Promise((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
    error ? reject(error) : resolve(bound),
  ),
);
const target = `127.0.0.1:${port}`;
const Orders = makeGenericClientConstructor(OrdersService, 'Orders');
const orders = new Orders(target, credentials.createInsecure(), {
  interceptors: [passportClientInterceptor(relay, { target })],
});
coreServer(
  relay,
  () =>
    new Promise((resolve, reject) =>
      orders.get({ id: 7 }, (error, reply) =>
        error ? reject(error) : resolve({ owner: relay.current()?.sub, grpc: reply }),
      ),
    ),
);
