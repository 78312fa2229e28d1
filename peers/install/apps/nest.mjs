// The nest README's quick start in plain ESM JavaScript: decorators applied as functions, the way
// TypeScript compiles them, since Node runs no decorator syntax.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createRelay, signedCodec } from '@passport-relay/core';
import { CurrentPassport, PassportRelayModule, RequirePassport } from '@passport-relay/nest';
import { announce } from './common.mjs';

const relay = createRelay({
  codec: signedCodec({
    issuer: 'https://edge.example',
    keys: JSON.parse(process.env.PASSPORT_JWKS),
  }),
});

class OrdersController {
  list(passport, tenant) {
    return { owner: passport.sub, tenant, alsoHere: relay.require().sub };
  }
}
CurrentPassport()(OrdersController.prototype, 'list', 0);
CurrentPassport('tenant')(OrdersController.prototype, 'list', 1);
Reflect.decorate(
  [Get(), RequirePassport()],
  OrdersController.prototype,
  'list',
  Object.getOwnPropertyDescriptor(OrdersController.prototype, 'list'),
);
Reflect.decorate([Controller('orders')], OrdersController);

class AppModule {}
Reflect.decorate(
  [Module({ imports: [PassportRelayModule.forRoot({ relay })], controllers: [OrdersController] })],
  AppModule,
);

const app = await NestFactory.create(AppModule, { logger: ['error'] });
await app.listen(0, '127.0.0.1');
announce(app.getHttpServer().address().port);
