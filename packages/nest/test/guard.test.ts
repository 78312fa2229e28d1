import type { ExecutionContext } from '@nestjs/common';
import { isPassportError } from '@passport-relay/core';
import { describe, expect, it } from 'vitest';
import { PassportRequiredGuard } from '../src/index.js';

/** What Nest hands a guard for an HTTP request, reduced to what the guard reads. */
function httpContext(request: object): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe('PassportRequiredGuard', () => {
  it('fails with a typed ERR_PASSPORT_OPTIONS, saying how to fix it, when the middleware did not run', () => {
    let thrown: unknown;
    try {
      new PassportRequiredGuard().canActivate(httpContext({ headers: {} }));
    } catch (error) {
      thrown = error;
    }
    expect(isPassportError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'ERR_PASSPORT_OPTIONS', status: 500 });
    expect((thrown as Error).message).toMatch(/PassportRelayModule\.forRoot/);
  });
});
