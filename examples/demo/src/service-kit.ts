/**
 * What every demo service shares: configuration from the environment (the same variables the
 * Kubernetes example sets), its relay, how it reports its hop, and how it tells the demo it is
 * listening. None of it touches the passport header: services read the caller through
 * `relay.current()`, nothing more.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRelay,
  DIAGNOSTICS_CHANNELS,
  type Relay,
  remoteJwks,
  signedCodec,
  TRACING_HEADERS,
  txnTokenCodec,
} from '@passport-relay/core';
import type { Hop } from './journey.js';

export function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`demo service: set ${name}`);
  return value;
}

export const config = {
  host: () => env('HOST', '0.0.0.0'),
  port: () => Number(env('PORT', '0')),
  issuer: () => env('PASSPORT_ISSUER', 'https://gateway.passport-demo'),
  /** Comma-separated `propagateTo`; unset means the core default (in-cluster names, loopback). */
  propagateTo: () => process.env.PASSPORT_PROPAGATE_TO?.split(',').map((p) => p.trim()),
  /** `passport` (signed passports) or `txn-token` (IETF Transaction Tokens). */
  format: () => env('PASSPORT_FORMAT', 'passport'),
  /** The trust domain Txn-Tokens name in `aud`. */
  trustDomain: () => env('TXN_TOKEN_TRUST_DOMAIN', 'passport-demo.internal'),
};

/**
 * The gateway's public keys: fetched from its JWKS when PASSPORT_JWKS_URL is set (keys rotate
 * without a restart), else the fixed PASSPORT_JWKS.
 */
function passportKeys() {
  const url = process.env.PASSPORT_JWKS_URL;
  if (!url) return JSON.parse(env('PASSPORT_JWKS'));
  // Tell the demo (or the rotation test) which keys this service holds, whenever they change.
  subscribe(DIAGNOSTICS_CHANNELS.keys, (message) => {
    const { kids, error } = message as { kids: string[]; error?: { code: string } };
    process.send?.({ keys: kids, at: Date.now(), ...(error ? { error: error.code } : {}) });
  });
  const maxAgeMs = Number(process.env.PASSPORT_JWKS_MAX_AGE_MS ?? 300_000);
  const cooldownMs = Number(process.env.PASSPORT_JWKS_COOLDOWN_MS ?? 30_000);
  return remoteJwks(url, { maxAgeMs, cooldownMs });
}

/** A service's relay: it verifies passports with the gateway's public keys only. */
export function serviceRelay(): Relay {
  const propagateTo = config.propagateTo();
  return createRelay({
    codec:
      config.format() === 'txn-token'
        ? txnTokenCodec({
            trustDomain: config.trustDomain(),
            keys: JSON.parse(env('PASSPORT_JWKS')),
          })
        : signedCodec({ issuer: config.issuer(), keys: passportKeys() }),
    forwardHeaders: TRACING_HEADERS,
    ...(propagateTo ? { propagateTo } : {}),
  });
}

export function hop(relay: Relay, service: string, framework: string, client: string): Hop {
  const passport = relay.current();
  return {
    service,
    framework,
    client,
    sub: passport?.sub ?? null,
    verified: passport !== undefined && relay.mode === 'signed',
    header: relay.header,
    ...(relay.header === 'txn-token' ? { txn: (passport?.txn as string | undefined) ?? null } : {}),
  };
}

/** Every downstream call gives up after this long, so a dead hop never hangs its callers. */
export const DOWNSTREAM_TIMEOUT_MS = 10_000;

/** What a service answers when its downstream failed: 502, as JSON. */
export function downstreamFailed(service: string) {
  return { status: 502, body: { error: 'downstream unavailable', service } } as const;
}

/** Tell the demo which port we got (port 0 was asked for). */
export function ready(port: number): void {
  if (process.send) process.send({ ready: true, port });
  else console.log(`listening on ${port}`);
}

/** Stop cleanly when the demo (or Kubernetes) says so. */
export function stopOn(close: () => unknown): void {
  process.once('SIGTERM', async () => {
    await close();
    process.exit(0);
  });
}

/** Listen on the configured host and port, tell the demo, and close on SIGTERM. */
export function serve(server: Server): void {
  server.listen(config.port(), config.host(), () => ready((server.address() as AddressInfo).port));
  stopOn(() => new Promise((resolve) => server.close(resolve)));
}
