// Shared by every scratch app: the edge's public key from the test, a loopback service that records
// the passport it receives, and the line the test waits for. Imports nothing from the packages.
import { createServer } from 'node:http';

export const PUBLIC_KEYS = [
  { alg: 'EdDSA', kid: '2026-01', key: process.env.PASSPORT_PUBLIC_KEY_PEM },
];

/** A loopback service on port 0 (an allowed destination) that records each passport header. */
export async function downstream() {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.passport ?? null);
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/stock`, seen };
}

/** Tells the test which port the app listens on. */
export function announce(port) {
  console.log(`LISTENING ${port}`);
}

/** The app's inbound side with core alone, as core's README describes it. */
export function coreServer(relay, handler) {
  const server = createServer(async (req, res) => {
    try {
      const context = relay.extract(req.headers, { required: true });
      const body = await relay.runWith(context, handler);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    } catch (error) {
      res.statusCode = error?.status ?? 500;
      res.end(JSON.stringify({ code: error?.code ?? String(error) }));
    }
  });
  server.listen(0, '127.0.0.1', () => announce(server.address().port));
  return server;
}
