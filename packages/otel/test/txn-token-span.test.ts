import { generateKeyPairSync } from 'node:crypto';
import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createRelay, txnTokenCodec, txnTokenMinter } from '@passport-relay/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  otelContextStore,
  PassportPropagator,
  PassportSpanProcessor,
  TXN_TOKEN_SPAN_ATTRIBUTES,
} from '../src/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new PassportSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const codec = txnTokenCodec({
  trustDomain: 'trust-domain.example',
  keys: [{ alg: 'EdDSA', kid: 'tts-1', key: publicKey }],
});
const relay = createRelay({ codec, store: otelContextStore() });
const minter = txnTokenMinter({
  signingKey: { alg: 'EdDSA', kid: 'tts-1', key: privateKey },
  trustDomain: 'trust-domain.example',
  workloadId: 'gateway',
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(async () => {
  await provider.shutdown();
  context.disable();
});

describe('Transaction Tokens in traces', () => {
  it('puts the txn and the subject on the server span, never the token', () => {
    const token = minter.mint({ sub: 'user-1', scope: 'orders.read' });
    const propagator = new PassportPropagator({ relay, spanAttributes: TXN_TOKEN_SPAN_ATTRIBUTES });
    expect(propagator.fields()).toEqual(['txn-token']);
    const ctx = propagator.extract(ROOT_CONTEXT, { 'txn-token': token }, defaultTextMapGetter);
    provider.getTracer('test').startSpan('POST /orders', { kind: SpanKind.SERVER }, ctx).end();
    const attributes = exporter.getFinishedSpans()[0]?.attributes ?? {};
    expect(attributes['txn_token.txn']).toBe(codec.transactionOf(token)?.txn);
    expect(attributes['enduser.id']).toBe('user-1');
    expect(JSON.stringify(attributes)).not.toContain(token.split('.')[2]);
  });
});
