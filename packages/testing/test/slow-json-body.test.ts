import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoopbackServer, listenOnLoopback, slowJsonBody } from '../src/index.js';

describe('slowJsonBody', () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** POST the body; the server answers with the chunks it read after the request had started. */
  async function post(body: NodeJS.ReadableStream): Promise<{ chunks: number; json: unknown }> {
    server = await listenOnLoopback((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.end(JSON.stringify({ chunks: chunks.length, json }));
      });
    });
    const origin = server.origin;
    return new Promise((resolve, reject) => {
      const req = request(`${origin}/`, { method: 'POST', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      body.pipe(req);
    });
  }

  it('arrives as the JSON of the value, in the number of parts asked for', async () => {
    const value = { order: 'pizza', padding: 'x'.repeat(64) };
    expect(await post(slowJsonBody(value, { parts: 4 }))).toEqual({ chunks: 4, json: value });
  });

  it('arrives in three parts by default', async () => {
    expect(await post(slowJsonBody({ n: 1, padding: 'xxxxxxxx' }))).toMatchObject({ chunks: 3 });
  });

  it('refuses a part count that is not a whole number from 1', () => {
    expect(() => slowJsonBody({}, { parts: 0 })).toThrow(/"parts"/);
  });
});
