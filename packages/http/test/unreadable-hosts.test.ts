import http from 'node:http';
import {
  createTestRelay,
  installPerTest,
  loopbackAgent,
  recordingServerPerTest,
} from '@passport-relay/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';

const hooks = { beforeEach, afterEach };

/** One GET with node:http, resolved with the status; a synchronous throw rejects. */
function get(options: http.RequestOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    try {
      const req = http.get(options, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    } catch (error) {
      reject(error);
    }
  });
}

describe('a host the destination policy cannot read', () => {
  const { relay } = createTestRelay({ propagateTo: ['*', '::/0', '127.0.0.1'] });
  const server = recordingServerPerTest(hooks);
  installPerTest(hooks, () => installHttpPropagation(relay));

  it.each(['fe80::1%lo', 'fd00::1%eth0'])(
    'is sent inside a request context as outside one (%s), without the passport',
    async (hostname) => {
      const agent = loopbackAgent(server.port);
      const status = await relay.run({ sub: 'alice' }, () =>
        get({ hostname, port: server.port, path: '/zoned', agent }),
      );
      agent.destroy();
      expect(status).toBe(200);
      expect(server.received('passport')).toEqual([undefined]);
    },
  );
});
