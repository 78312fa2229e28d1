import { Agent, createServer, request } from 'node:http';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type Closable, closeAll, listenOnLoopback } from '../src/index.js';
import { accepts } from './support/accepts.js';

/** Two GETs, one after the other, through one keep-alive agent; resolves with both bodies. */
async function twoRequestsOnOneSocket(origin: string): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(`${origin}${path}`, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    return [await get('/a'), await get('/b')];
  } finally {
    agent.destroy();
  }
}

describe('listenOnLoopback', () => {
  const opened: Closable[] = [];
  afterEach(() => closeAll(opened));

  it('serves a request listener on a free 127.0.0.1 port', async () => {
    const server = await listenOnLoopback((req, res) => res.end(`hello ${req.url}`));
    opened.push(server);
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(await (await fetch(`${server.origin}/x`)).text()).toBe('hello /x');
  });

  it('gives two servers two different ports', async () => {
    const a = await listenOnLoopback((_req, res) => res.end());
    const b = await listenOnLoopback((_req, res) => res.end());
    opened.push(a, b);
    expect(a.port).not.toBe(b.port);
  });

  it('counts connections, so keep-alive reuse shows as one', async () => {
    const server = await listenOnLoopback((req, res) => res.end(req.url));
    opened.push(server);
    expect(server.connections()).toBe(0);
    expect(await twoRequestsOnOneSocket(server.origin)).toEqual(['/a', '/b']);
    expect(server.connections()).toBe(1);
  });

  it('closes the server and its open connections', async () => {
    const server = await listenOnLoopback((_req, res) => res.end());
    await fetch(server.origin, { headers: { connection: 'keep-alive' } });
    await server.close();
    expect(await accepts(server.origin)).toBe(false);
  });

  it('listens with a node:http server it is given', async () => {
    const server = await listenOnLoopback(createServer((_req, res) => res.end('own server')));
    opened.push(server);
    expect(await (await fetch(server.origin)).text()).toBe('own server');
  });

  it('listens with a Fastify instance through Fastify’s own listen, and closes it with app.close()', async () => {
    const app = Fastify();
    let closed = false;
    app.addHook('onClose', async () => {
      closed = true;
    });
    app.get('/', async () => ({ served: 'fastify' }));
    const server = await listenOnLoopback(app);
    expect(await (await fetch(server.origin)).json()).toEqual({ served: 'fastify' });
    expect(server.connections()).toBe(1);
    await server.close();
    expect(closed).toBe(true);
    expect(await accepts(server.origin)).toBe(false);
  });

  it('refuses something it cannot serve, saying what it takes', async () => {
    await expect(listenOnLoopback({} as never)).rejects.toThrow(/request listener/);
  });
});
