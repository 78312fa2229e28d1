import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createRelay,
  DIAGNOSTICS_CHANNELS,
  isServerSideError,
  PassportError,
  type PassportErrorCode,
  plainCodecTrustingMesh,
  refusalResponse,
  toProblem,
} from '../src/index.js';

const failed: unknown[] = [];
const onFailed = (message: unknown) => failed.push(message);
afterEach(() => {
  unsubscribe(DIAGNOSTICS_CHANNELS.failed, onFailed);
  failed.length = 0;
});

const SECRET_DETAIL = 'signedCodec: keys[0] is not a key: /etc/secrets/edge.pem is unreadable';

describe('a refusal for a server-side problem', () => {
  it.each<PassportErrorCode>([
    'ERR_PASSPORT_OPTIONS',
    'ERR_PASSPORT_CANNOT_ISSUE',
    'ERR_PASSPORT_UNAVAILABLE',
  ])('answers %s with a generic detail, never the configuration', (code) => {
    const error = new PassportError(code, SECRET_DETAIL);
    const response = refusalResponse(error);
    expect(isServerSideError(error)).toBe(true);
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(response.body).not.toContain('/etc/secrets');
    expect(response.body).not.toContain('signedCodec');
    expect(JSON.parse(response.body)).toMatchObject({ code, status: error.status });
    expect(toProblem(error).detail).not.toContain('/etc/secrets');
  });

  it('publishes the error itself on the failed diagnostics channel, for the operator', () => {
    subscribe(DIAGNOSTICS_CHANNELS.failed, onFailed);
    const error = new PassportError('ERR_PASSPORT_OPTIONS', SECRET_DETAIL);
    refusalResponse(error);
    expect(failed).toEqual([{ error }]);
  });

  it("keeps the caller's own refusals detailed: they say what is wrong with the request", () => {
    const error = new PassportError('ERR_PASSPORT_EXPIRED', 'The passport has expired.');
    expect(isServerSideError(error)).toBe(false);
    expect(JSON.parse(refusalResponse(error).body).detail).toBe('The passport has expired.');
  });
});

describe('an asynchronous schema', () => {
  const asyncSchema = z
    .object({ sub: z.string() })
    .refine(async () => true, { message: 'looked up' });

  it('is refused at createRelay, not on the first request', () => {
    expect(() => createRelay({ codec: plainCodecTrustingMesh(), schema: asyncSchema })).toThrow(
      expect.objectContaining({
        code: 'ERR_PASSPORT_OPTIONS',
        message: expect.stringMatching(/asynchronously/),
      }),
    );
  });

  it('is refused too when its async part runs only for some fields', () => {
    const partly = z.object({ sub: z.string(), tenant: z.string().refine(async () => true) });
    expect(() => createRelay({ codec: plainCodecTrustingMesh(), schema: partly })).toThrow(
      /asynchronously/,
    );
  });
});
