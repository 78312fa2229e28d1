// The otel README's app: a plain node:http handler; OTel's extraction verified the passport.
import { createServer } from 'node:http';
import { announce, downstream } from './common.mjs';
import { relay } from './otel-relay.mjs';

const stock = await downstream();
const server = createServer(async (_req, res) => {
  try {
    const { sub } = relay.require();
    await (await fetch(stock.url)).text();
    res.end(JSON.stringify({ owner: sub, downstream: stock.seen.splice(0) }));
  } catch (error) {
    res.statusCode = error?.status ?? 500;
    res.end(JSON.stringify({ code: error?.code ?? String(error) }));
  }
});
server.listen(0, '127.0.0.1', () => announce(server.address().port));
