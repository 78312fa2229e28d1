import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  createTestRelay,
  loopbackAgent,
  rawHeaderValues,
  runAsCaller,
  startRecordingServer,
} from '../src/index.js';

describe('rawHeaderValues', () => {
  const raw = ['Passport', 'a', 'accept', 'text/plain', 'PASSPORT', 'b'];

  it('lists every value of a header sent several times, in order, whatever its case', () => {
    expect(rawHeaderValues(raw, 'passport')).toEqual(['a', 'b']);
    expect(rawHeaderValues(raw, 'PassPort')).toEqual(['a', 'b']);
  });

  it('lists nothing for a header that was not sent', () => {
    expect(rawHeaderValues(raw, 'x-request-id')).toEqual([]);
  });
});

describe('runAsCaller', () => {
  const { relay } = createTestRelay({ mode: 'HS256', forwardHeaders: ['x-request-id'] });
  const token = relay.issue({ sub: 'user-1' });

  it('runs fn as the caller whose passport value it is given', () => {
    expect(runAsCaller(relay, token, () => relay.current()?.sub)).toBe('user-1');
  });

  it('runs fn with the forwarded headers of the inbound headers it is given', () => {
    const context = runAsCaller(relay, { passport: token, 'x-request-id': 'req-1' }, () =>
      relay.currentContext(),
    );
    expect(context?.forwarded).toEqual([['x-request-id', 'req-1']]);
  });

  it('reads the passport under the relay’s own header name', () => {
    const { relay: custom } = createTestRelay({ mode: 'HS256', header: 'x-passport' });
    expect(runAsCaller(custom, custom.issue({ sub: 'u2' }), () => custom.current()?.sub)).toBe(
      'u2',
    );
  });

  it('throws the relay’s refusal for a bad passport, and never runs fn', () => {
    let ran = false;
    expect(() =>
      runAsCaller(relay, 'not-a-passport', () => {
        ran = true;
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PASSPORT_MALFORMED' }));
    expect(ran).toBe(false);
  });
});

describe('loopbackAgent', () => {
  it('delivers a request for any host to the loopback port, with that host in Host', async () => {
    const server = await startRecordingServer();
    const agent = loopbackAgent(server.port);
    try {
      await new Promise<void>((resolve, reject) => {
        get(`http://169.254.169.254:${server.port}/latest`, { agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
      expect(server.requests.map(({ url, headers }) => [url, headers.host])).toEqual([
        ['/latest', `169.254.169.254:${server.port}`],
      ]);
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});
