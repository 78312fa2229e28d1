/**
 * Koa + pino: `orders` (Koa) logs with pino and calls `inventory` (Koa) with global fetch. Every log
 * line written while serving a request names the caller, with no code passing it; the passport
 * goes to `inventory`, never to the partner, and never into a log.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/koa-pino start)
 *
 * Starts three servers on loopback, port 0; calls orders as alice and bob at once and once with no
 * passport; prints the log lines and what each hop saw; exits 0 when everything behaved.
 */
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createRelay, signedCodec } from '@passport-relay/core';
import { type PassportState, passportRelay } from '@passport-relay/koa';
import { pinoPassportMixin } from '@passport-relay/logging';
import { installGlobalFetchPropagation } from '@passport-relay/undici';
import Koa from 'koa';
import pino from 'pino';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const issuer = 'https://edge.example';
const keys = [{ alg: 'EdDSA' as const, kid: 'edge-1', key: publicKey }];
const edge = createRelay({
  codec: signedCodec({
    issuer,
    keys,
    signingKey: { alg: 'EdDSA', kid: 'edge-1', key: privateKey },
  }),
});
// Services verify only, and carry passports to 127.0.0.1 only: the partner (localhost) is a third party.
const relay = createRelay({ codec: signedCodec({ issuer, keys }), propagateTo: ['127.0.0.1'] });
const uninstallFetchHook = installGlobalFetchPropagation(relay);

// pino, as a service configures it once; the lines are kept here to be checked (stdout in real life).
const lines: Record<string, unknown>[] = [];
let written = '';
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    written += chunk.toString();
    lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
    done();
  },
});
const log = pino(
  { base: null, timestamp: false, mixin: pinoPassportMixin(relay, { fields: ['sub', 'tenant'] }) },
  sink,
);

function koaService(
  name: string,
  handle: (ctx: Koa.ParameterizedContext<PassportState>) => Promise<void>,
) {
  const app = new Koa<PassportState>();
  app.use(passportRelay(relay, { required: true }));
  app.use(async (ctx) => {
    log.info({ service: name }, 'request');
    await handle(ctx);
  });
  return app.callback();
}

async function listen(handler: RequestListener, host = '127.0.0.1') {
  const server = createServer(handler).listen(0, host);
  await once(server, 'listening');
  return {
    origin: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const partner = await listen(
  (req, res) => res.end(JSON.stringify({ gotPassport: req.headers.passport !== undefined })),
  'localhost',
);
const inventory = await listen(
  koaService('inventory', async (ctx) => {
    ctx.body = { sub: ctx.state.passport?.sub };
  }),
);
const orders = await listen(
  koaService('orders', async (ctx) => {
    // Business code: no passport in sight. The fetch hook carries it to inventory only.
    const stock = (await (await fetch(`${inventory.origin}/stock`)).json()) as { sub: string };
    const tracking = (await (await fetch(`${partner.origin}/track`)).json()) as {
      gotPassport: boolean;
    };
    log.info({ service: 'orders', inventorySaw: stock.sub }, 'placed');
    ctx.body = {
      orders: relay.require().sub,
      inventory: stock.sub,
      partnerGotPassport: tracking.gotPassport,
    };
  }),
);

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
const users = [
  { sub: 'alice', tenant: 'acme' },
  { sub: 'bob', tenant: 'globex' },
];
const tokens: string[] = [];

try {
  console.log('koa-pino: client → orders (Koa, pino) ─fetch→ inventory (Koa, pino)');
  console.log('                                   └─fetch→ partner (third party)\n');
  const answers = await Promise.all(
    users.map(async (user) => {
      const token = edge.issue(user);
      tokens.push(token);
      const response = await fetch(`${orders.origin}/orders`, { headers: { passport: token } });
      return {
        user,
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      };
    }),
  );
  for (const { user, status, body } of answers) {
    console.log(`${user.sub}: HTTP ${status} ${JSON.stringify(body)}`);
    check(status === 200, `${user.sub}: HTTP ${status}`);
    check(
      body.orders === user.sub && body.inventory === user.sub,
      `${user.sub}: hops saw ${JSON.stringify(body)}`,
    );
    check(body.partnerGotPassport === false, `${user.sub}: the partner received a passport`);
  }
  const anonymous = await fetch(`${orders.origin}/orders`);
  console.log(
    `anonymous: HTTP ${anonymous.status} ${((await anonymous.json()) as { code: string }).code}`,
  );
  check(anonymous.status === 401, `anonymous: HTTP ${anonymous.status}`);

  console.log('\nlog lines:');
  for (const line of lines) console.log(`  ${JSON.stringify(line)}`);
  for (const user of users) {
    const mine = lines.filter(
      (line) => (line.passport as { sub?: string } | undefined)?.sub === user.sub,
    );
    check(mine.length === 3, `${user.sub}: ${mine.length} log lines name them, expected 3`);
    check(
      mine.every((line) => (line.passport as { tenant?: string }).tenant === user.tenant),
      `${user.sub}: a log line has another tenant`,
    );
    const placed = mine.find((line) => line.msg === 'placed');
    check(
      placed?.inventorySaw === user.sub,
      `${user.sub}: placed line says ${placed?.inventorySaw}`,
    );
  }
  check(
    lines.length === 6,
    `expected 6 log lines (the refused request logs nothing), got ${lines.length}`,
  );
  check(
    tokens.every((token) => token.split('.').every((part) => !written.includes(part))),
    'a log line contains part of a token',
  );
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  uninstallFetchHook();
  await Promise.all([orders.close(), inventory.close(), partner.close()]);
}

if (problems.length === 0) {
  console.log(
    '\nOK: every log line names its own caller and no token; the partner received no passport',
  );
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
