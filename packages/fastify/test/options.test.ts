import { closeAll, createTestRelay } from '@passport-relay/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type FastifyRelayOptions, passportRelay } from '../src/index.js';

const { relay } = createTestRelay({ mode: 'HS256' });
const apps: FastifyInstance[] = [];
afterEach(() => closeAll(apps));

async function register(options: unknown): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  await app.register(passportRelay, options as FastifyRelayOptions);
  return app;
}

const optionsError = (message: RegExp) =>
  expect.objectContaining({
    code: 'ERR_PASSPORT_OPTIONS',
    message: expect.stringMatching(message),
  });

describe('passportRelay (fastify) options', () => {
  it('declares itself to Fastify as @passport-relay/fastify for Fastify 5', async () => {
    const app = await register({ relay });
    expect(app.hasPlugin('@passport-relay/fastify')).toBe(true);
    expect(app.hasRequestDecorator('passport')).toBe(true);
  });

  it('refuses, at registration, options without a relay', async () => {
    await expect(register({})).rejects.toThrow(optionsError(/"relay" is required/));
  });

  it('refuses, at registration, an unknown option and names the known ones', async () => {
    await expect(register({ relay, hooks: 'onRequest' })).rejects.toThrow(
      optionsError(/unknown option "hooks".*relay, required, onRefusal, hook/),
    );
  });

  it('refuses, at registration, a required that is neither a boolean nor a predicate', async () => {
    await expect(register({ relay, required: 'yes' })).rejects.toThrow(
      optionsError(/"required" must be a boolean or a function/),
    );
  });

  it('refuses, at registration, an onRefusal it does not know', async () => {
    await expect(register({ relay, onRefusal: 'next' })).rejects.toThrow(
      optionsError(/"onRefusal" must be "respond".*or "error"/),
    );
  });

  it('refuses, at registration, a hook it cannot verify in', async () => {
    await expect(register({ relay, hook: 'onSend' })).rejects.toThrow(
      optionsError(/"hook" must be "onRequest", "preParsing", "preValidation" or "preHandler"/),
    );
  });

  it('refuses a second registration in the same app with a message that says how to fix it', async () => {
    const app = Fastify();
    apps.push(app);
    app.register(passportRelay, { relay });
    app.register(passportRelay, { relay });
    await expect(app.ready()).rejects.toThrow(optionsError(/register the plugin once/));
  });
});
