import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import {
  createTestRelay,
  type RecordingServer,
  runAsCaller,
  startRecordingServer,
} from '@passport-relay/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installHttpPropagation } from '../src/index.js';
import { bodyOf } from './helpers.js';

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI for this run only. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'passport-relay-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** TLS in front of the recording server: decrypts and pipes each connection through. */
async function startTlsFront(credentials: { key: Buffer; cert: Buffer }, port: number) {
  const server = tls.createServer(credentials, (socket) => {
    const upstream = net.connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('node:https', () => {
  const { relay } = createTestRelay({ mode: 'HS256', propagateTo: ['127.0.0.1'] });
  const token = relay.issue({ sub: 'user-1' });
  let credentials: { key: Buffer; cert: Buffer };
  let recorder: RecordingServer;
  let front: Awaited<ReturnType<typeof startTlsFront>>;
  let uninstall: () => void;

  beforeAll(() => {
    credentials = selfSignedCertificate();
  });
  beforeEach(async () => {
    recorder = await startRecordingServer();
    front = await startTlsFront(credentials, recorder.port);
    uninstall = installHttpPropagation(relay);
  });
  afterEach(async () => {
    uninstall();
    await front.close();
    await recorder.close();
  });
  afterAll(() => {
    https.globalAgent.destroy();
  });

  it('adds the passport to https.get over real TLS', async () => {
    await runAsCaller(relay, token, () =>
      bodyOf(https.get(`${front.origin}/get`, { ca: credentials.cert, agent: false })),
    );
    expect(recorder.received('passport')).toEqual([token]);
  });

  it('adds the passport to https.request over real TLS', async () => {
    await runAsCaller(relay, token, () => {
      const request = https.request(`${front.origin}/request`, {
        ca: credentials.cert,
        agent: false,
      });
      request.end();
      return bodyOf(request);
    });
    expect(recorder.received('passport')).toEqual([token]);
  });
});
