import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PassportErrorCode } from '@passport-relay/core';
import type { TestRelay } from '@passport-relay/testing';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { z } from 'zod';

/** A started loopback server and how to stop it. */
export interface Started {
  readonly origin: string;
  /** Connections the server accepted, to prove keep-alive reuse. */
  readonly connections: () => number;
  close(): Promise<void>;
}

/** Serve `listener` (an Express app) on a free loopback port. */
export async function serve(listener: RequestListener): Promise<Started> {
  const server: Server = createServer(listener);
  let connections = 0;
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Close every started server, newest first; for afterEach. */
export async function closeAll(started: Started[]): Promise<void> {
  for (const server of started.splice(0).reverse()) await server.close();
}

/**
 * A JSON body written in `parts` chunks with a pause before each, so the body arrives after the
 * middleware has run and the parser's stream events fire from the socket, not from our code.
 */
export function slowJson(value: unknown, parts = 3, pauseMs = 5): Readable {
  const bytes = Buffer.from(JSON.stringify(value));
  const size = Math.ceil(bytes.length / parts);
  async function* chunks() {
    for (let offset = 0; offset < bytes.length; offset += size) {
      await sleep(pauseMs);
      yield bytes.subarray(offset, offset + size);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** The schema the refusal tests configure, so a passport without `tenant` is refused. */
export const tenantSchema = z.object({ sub: z.string(), tenant: z.string() });

/** One bad inbound request: the raw header pairs to send and what core must answer. */
export interface BadPassport {
  readonly name: string;
  readonly code: PassportErrorCode;
  readonly status: number;
  /** Flat raw header list (name, value, name, value...), so duplicates survive. */
  readonly headers: string[];
  /** Passport values sent, which must never appear in the answer. */
  readonly tokens: readonly string[];
}

function passportHeaders(...tokens: string[]): Pick<BadPassport, 'headers' | 'tokens'> {
  return { headers: tokens.flatMap((token) => ['passport', token]), tokens };
}

/**
 * Every refusal core produces on inbound, for a relay made with
 * `createTestRelay({ mode: 'EdDSA', schema: tenantSchema })` and used with `required: true`.
 */
export async function badPassports(test: TestRelay): Promise<BadPassport[]> {
  const { relay, issuer } = test;
  const ownKey = (test.signingKey as { key: KeyObject }).key;
  const stranger = await generateKeyPair('EdDSA');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'mallory', tenant: 't1' };
  const signed = (
    alg: 'EdDSA' | 'HS256',
    kid: string,
    key: Parameters<SignJWT['sign']>[0],
    edit: (jwt: SignJWT) => SignJWT = (jwt) =>
      jwt.setIssuer(issuer).setIssuedAt().setExpirationTime('5m'),
    payload: Record<string, unknown> = claims,
  ) => edit(new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' })).sign(key);
  const valid = relay.issue(claims);
  const [header, , signature] = valid.split('.');
  const tamperedPayload = Buffer.from(
    JSON.stringify({ ...claims, sub: 'admin', iss: issuer }),
  ).toString('base64url');
  return [
    {
      name: 'no passport on a required route',
      code: 'ERR_PASSPORT_MISSING',
      status: 401,
      headers: [],
      tokens: [],
    },
    {
      name: 'not a JWS',
      code: 'ERR_PASSPORT_MALFORMED',
      status: 401,
      ...passportHeaders('not-a-passport'),
    },
    {
      name: 'larger than 4 KiB',
      code: 'ERR_PASSPORT_TOO_LARGE',
      status: 431,
      ...passportHeaders(`${header}.${'A'.repeat(5000)}.${signature}`),
    },
    {
      name: 'two passport headers',
      code: 'ERR_PASSPORT_DUPLICATE',
      status: 400,
      ...passportHeaders(valid, relay.issue({ sub: 'other', tenant: 't1' })),
    },
    {
      name: 'alg none',
      code: 'ERR_PASSPORT_ALGORITHM',
      status: 401,
      ...passportHeaders(
        new UnsecuredJWT(claims).setIssuer(issuer).setIssuedAt().setExpirationTime('5m').encode(),
      ),
    },
    {
      name: 'HS256 where only EdDSA is configured',
      code: 'ERR_PASSPORT_ALGORITHM',
      status: 401,
      ...passportHeaders(await signed('HS256', 'test-ed', new Uint8Array(32).fill(7))),
    },
    {
      name: 'a kid this service does not know',
      code: 'ERR_PASSPORT_KEY_UNKNOWN',
      status: 401,
      ...passportHeaders(await signed('EdDSA', 'stranger', stranger.privateKey)),
    },
    {
      name: 'signed by another key under our kid',
      code: 'ERR_PASSPORT_SIGNATURE',
      status: 401,
      ...passportHeaders(await signed('EdDSA', 'test-ed', stranger.privateKey)),
    },
    {
      name: 'payload tampered after signing',
      code: 'ERR_PASSPORT_SIGNATURE',
      status: 401,
      ...passportHeaders(`${header}.${tamperedPayload}.${signature}`),
    },
    {
      name: 'expired',
      code: 'ERR_PASSPORT_EXPIRED',
      status: 401,
      ...passportHeaders(
        await signed('EdDSA', 'test-ed', ownKey, (jwt) =>
          jwt
            .setIssuer(issuer)
            .setIssuedAt(now - 7200)
            .setExpirationTime(now - 3600),
        ),
      ),
    },
    {
      name: 'not yet valid',
      code: 'ERR_PASSPORT_NOT_YET_VALID',
      status: 401,
      ...passportHeaders(
        await signed('EdDSA', 'test-ed', ownKey, (jwt) =>
          jwt
            .setIssuer(issuer)
            .setIssuedAt()
            .setNotBefore(now + 3600)
            .setExpirationTime('2h'),
        ),
      ),
    },
    {
      name: 'another issuer',
      code: 'ERR_PASSPORT_CLAIM_INVALID',
      status: 401,
      ...passportHeaders(
        await signed('EdDSA', 'test-ed', ownKey, (jwt) =>
          jwt.setIssuer('https://evil.test').setIssuedAt().setExpirationTime('5m'),
        ),
      ),
    },
    {
      name: 'a passport the schema refuses',
      code: 'ERR_PASSPORT_SCHEMA',
      status: 401,
      ...passportHeaders(await signed('EdDSA', 'test-ed', ownKey, undefined, { sub: 'mallory' })),
    },
  ];
}

/** Run `task(i)` for i in [0, total) with at most `limit` in flight. */
export async function inBatches(total: number, limit: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, worker));
}
