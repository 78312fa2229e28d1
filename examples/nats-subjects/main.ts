/**
 * NATS: a service requests `profile.get` as the current user; a responder in a queue group answers
 * as that user. A request with a forged passport gets an error reply (401, the code in a header),
 * the handler never runs, and the responder goes on. A subject off the list gets no passport.
 *
 *   node --import tsx main.ts        (or: pnpm --filter @passport-relay-examples/nats-subjects start)
 *
 * Uses NATS_URL when set; otherwise starts a nats-server of its own on a free loopback port
 * (Debian: apt-get install nats-server). Exits 0 when everything behaved, 1 otherwise.
 */
import { createRelay, signedCodec } from '@passport-relay/core';
import { installNatsPassport, refusalOf, subscribeWithPassport } from '@passport-relay/nats';
import { createTestRelay, startNatsServer } from '@passport-relay/testing';
import { connect, headers } from 'nats';

// 1. The edge (mints; the test kit makes its keys here) and the services' relay (public key only).
const edge = createTestRelay({ issuer: 'https://edge.example' });
const relay = createRelay({
  codec: signedCodec({ issuer: edge.issuer, keys: [edge.verificationKey!] }),
});

// 2. NATS: yours, or one started for this example.
const ownServer = process.env.NATS_URL === undefined ? await startNatsServer() : undefined;
const servers = process.env.NATS_URL ?? ownServer!.url;
const responder = await connect({ servers });
const client = await connect({ servers });

// 3. Requester side, once: messages to `profile.*` carry the caller's passport; nothing else does.
installNatsPassport(relay, client, { propagateTo: ['profile.*'] });

// 4. Responder side: two members of a queue group; each request answered as its caller.
for (const member of ['a', 'b']) {
  subscribeWithPassport(
    relay,
    responder,
    'profile.get',
    (msg) => {
      const caller = relay.require();
      console.log(`  responder ${member}: profile of sub=${caller.sub}`);
      msg.respond(JSON.stringify({ sub: caller.sub, tenant: caller.tenant }));
    },
    { queue: 'profiles' },
  );
}
const audit: string[] = [];
responder.subscribe('audit.log', {
  callback: (_error, msg) =>
    audit.push(msg.headers?.has('passport') ? 'with passport' : 'no passport'),
});
await responder.flush();

const problems: string[] = [];
const check = (ok: boolean, problem: string) => {
  if (!ok) problems.push(problem);
};
try {
  console.log('nats-subjects: service ─request profile.get→ responders (queue group "profiles")\n');
  const users = [
    { sub: 'alice', tenant: 'acme' },
    { sub: 'bob', tenant: 'globex' },
  ];
  const replies = await Promise.all(
    users.map((user) =>
      relay.runWith(relay.extract({ passport: edge.relay.issue(user) }), async () => {
        client.publish('audit.log', 'looked up a profile');
        return client.request('profile.get', '', { timeout: 5000 });
      }),
    ),
  );
  for (const [index, reply] of replies.entries()) {
    const profile = reply.json<{ sub: string; tenant: string }>();
    console.log(`${users[index]!.sub}: got the profile of ${profile.sub} (${profile.tenant})`);
    check(profile.sub === users[index]!.sub, `${users[index]!.sub} got ${profile.sub}'s profile`);
  }

  const forged = headers();
  forged.set('passport', createTestRelay({ issuer: edge.issuer }).relay.issue({ sub: 'mallory' }));
  const refusedReply = await client.request('profile.get', '', { timeout: 5000, headers: forged });
  const refusal = refusalOf(refusedReply);
  console.log(
    `mallory (forged): error reply ${refusedReply.headers?.get('Nats-Service-Error-Code')} ${refusal?.code}`,
  );
  check(refusal?.code === 'ERR_PASSPORT_SIGNATURE', `forged: ${refusal?.code}`);

  await client.flush();
  await responder.flush();
  console.log(`audit.log (not on the list) received: ${audit.join(', ')}`);
  check(audit.length === 2 && audit.every((entry) => entry === 'no passport'), `audit: ${audit}`);
} catch (error) {
  problems.push(`the example failed: ${String(error)}`);
} finally {
  await client.close();
  await responder.close();
  await ownServer?.close();
}

if (problems.length === 0) {
  console.log('\nOK: each request was answered as its caller; the forged one got an error reply');
} else {
  console.log(`\nFAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
