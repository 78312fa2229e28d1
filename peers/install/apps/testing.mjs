// The testing README's kit: a relay with fresh keys, a forged passport refused, a real one served.
import { createServer, request } from 'node:http';
import { createTestRelay, forgedPassports, listenOnLoopback } from '@passport-relay/testing';
import { announce } from './common.mjs';

const test = createTestRelay();
const { relay } = test;
const app = createServer((req, res) => {
  try {
    relay.runWith(relay.extract(req.headers, { required: true }), () =>
      res.end(JSON.stringify({ owner: relay.current()?.sub })),
    );
  } catch (error) {
    res.statusCode = error.status;
    res.end(JSON.stringify({ code: error.code }));
  }
});
const server = await listenOnLoopback(app);
const forged = forgedPassports(test);
const results = [];
for (const { headers, status } of forged) {
  // The kit's flat raw list as { name: [values] }: node:http sends two values as two lines.
  const grouped = {};
  for (let i = 0; i < headers.length; i += 2) {
    grouped[headers[i]] = [...(grouped[headers[i]] ?? []), headers[i + 1]];
  }
  const answered = await new Promise((resolve, reject) =>
    request(`${server.origin}/orders`, { headers: grouped }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode));
    })
      .on('error', reject)
      .end(),
  );
  results.push(answered === status);
}
const real = await fetch(`${server.origin}/orders`, {
  headers: { passport: relay.issue({ sub: 'user-42' }) },
});
// The kit's own server answered; report through a plain one the test calls.
const report = createServer((_req, res) =>
  real
    .clone()
    .json()
    .then((body) =>
      res.end(
        JSON.stringify({ ...body, forgedRefused: forged.length > 0 && results.every(Boolean) }),
      ),
    ),
);
report.listen(0, '127.0.0.1', () => announce(report.address().port));
