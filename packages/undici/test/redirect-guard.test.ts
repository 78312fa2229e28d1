import { describe, expect, it } from 'vitest';
import { legacyRedirectGuard, REDIRECT_INSIDE_MESSAGE } from '../src/internal/redirect-guard.js';

type Callback = (...args: unknown[]) => unknown;

/** A handler of undici's older interface with the given callbacks, recording each call. */
function recordingHandler(names: readonly string[]) {
  const calls: { name: string; self: unknown; args: unknown[] }[] = [];
  const handler: Record<string, Callback> = {};
  for (const name of names) {
    handler[name] = function (this: unknown, ...args: unknown[]) {
      calls.push({ name, self: this, args });
      return `${name} answered`;
    };
  }
  return { handler, calls };
}

function callbacksOf(guard: object): string[] {
  const names: string[] = [];
  for (const name of [
    'onConnect',
    'onUpgrade',
    'onResponseStarted',
    'onHeaders',
    'onData',
    'onComplete',
    'onError',
    'onBodySent',
    'onRequestSent',
  ]) {
    if (typeof (guard as Record<string, unknown>)[name] === 'function') names.push(name);
  }
  return names;
}

describe('legacyRedirectGuard (a handler of undici’s older interface)', () => {
  it('has exactly the handler’s callbacks, plus onConnect, whatever set of them it has', () => {
    const full = recordingHandler(['onConnect', 'onHeaders', 'onData', 'onComplete', 'onError']);
    const few = recordingHandler(['onHeaders', 'onError']);
    expect(callbacksOf(legacyRedirectGuard(full.handler as never))).toEqual([
      'onConnect',
      'onHeaders',
      'onData',
      'onComplete',
      'onError',
    ]);
    // undici checks which callbacks exist: a guard made after another must not inherit its set.
    expect(callbacksOf(legacyRedirectGuard(few.handler as never))).toEqual([
      'onConnect',
      'onHeaders',
      'onError',
    ]);
    expect(callbacksOf(legacyRedirectGuard(full.handler as never))).toHaveLength(5);
  });

  it('calls each callback on the handler itself, with every argument, and returns its answer', () => {
    const { handler, calls } = recordingHandler(['onHeaders', 'onData']);
    const guard = legacyRedirectGuard(handler as never) as unknown as Record<string, Callback>;
    const resume = () => {};
    expect(guard.onHeaders?.(200, ['a', 'b'], resume, 'OK')).toBe('onHeaders answered');
    expect(guard.onData?.(Buffer.from('x'))).toBe('onData answered');
    expect(calls).toEqual([
      { name: 'onHeaders', self: handler, args: [200, ['a', 'b'], resume, 'OK'] },
      { name: 'onData', self: handler, args: [Buffer.from('x')] },
    ]);
  });

  it('two guards of the same shape keep their own handlers', () => {
    const first = recordingHandler(['onData']);
    const second = recordingHandler(['onData']);
    const a = legacyRedirectGuard(first.handler as never) as unknown as Record<string, Callback>;
    const b = legacyRedirectGuard(second.handler as never) as unknown as Record<string, Callback>;
    b.onData?.('to second');
    a.onData?.('to first');
    expect(first.calls.map((call) => call.args)).toEqual([['to first']]);
    expect(second.calls.map((call) => call.args)).toEqual([['to second']]);
  });

  it('aborts a redirect’s later hop before onConnect reaches the handler, and passes a first hop on', () => {
    const { handler, calls } = recordingHandler(['onConnect']);
    const guard = legacyRedirectGuard(handler as never) as unknown as Record<string, Callback>;
    const aborted: unknown[] = [];
    const abort = (reason?: Error) => aborted.push(reason);
    guard.onConnect?.(abort, { history: [new URL('http://a/')] });
    expect(aborted).toEqual([
      expect.objectContaining({ code: 'ERR_PASSPORT_OPTIONS', message: REDIRECT_INSIDE_MESSAGE }),
    ]);
    expect(calls).toEqual([]);
    guard.onConnect?.(abort, { history: [] });
    expect(calls).toEqual([{ name: 'onConnect', self: handler, args: [abort, { history: [] }] }]);
    expect(aborted).toHaveLength(1);
  });
});
