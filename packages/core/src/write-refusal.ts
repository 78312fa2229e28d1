import type { ServerResponse } from 'node:http';
import { type PassportError, type RefusalResponse, refusalResponse } from './errors.js';

/**
 * A Fastify reply, as far as answering a refusal goes (Nest hands filters the same object).
 *
 * @example
 * ```ts
 * fastify.addHook('onRequest', (request, reply: ReplyLike, done) => writeRefusal(reply, error));
 * ```
 */
export interface ReplyLike {
  readonly sent: boolean;
  code(status: number): ReplyLike;
  headers(values: Record<string, string>): ReplyLike;
  send(body: Buffer): unknown;
}

/**
 * A Node response, as far as answering a refusal goes.
 *
 * @example
 * ```ts
 * const res: NodeResponseLike = serverResponse;
 * writeRefusal(res, error);
 * ```
 */
export type NodeResponseLike = Pick<ServerResponse, 'headersSent' | 'writeHead' | 'end'>;

function isReply(target: ReplyLike | NodeResponseLike): target is ReplyLike {
  const reply = target as Partial<ReplyLike>;
  return (
    typeof reply.code === 'function' &&
    typeof reply.headers === 'function' &&
    typeof reply.send === 'function'
  );
}

/**
 * Answer a refused request with core's refusal (see `refusalResponse`: status, problem body,
 * `WWW-Authenticate`, a generic detail for server-side errors), on a Node `ServerResponse` or a
 * Fastify reply. The body goes to Fastify as a `Buffer`, so it keeps core's content type exactly (a
 * string would get `; charset=utf-8`). A response already under way is only ended. Pass a prepared
 * `RefusalResponse` to answer with one an adapter built (the gateway's Bearer challenge).
 *
 * @example
 * ```ts
 * const outcome = admit(relay, req.headers, required(req));
 * if (isPassportError(outcome)) return writeRefusal(res, outcome);
 * ```
 */
export function writeRefusal(
  target: ReplyLike | NodeResponseLike,
  refusal: PassportError | RefusalResponse,
): void {
  const { status, headers, body } =
    'body' in refusal && typeof refusal.body === 'string'
      ? refusal
      : refusalResponse(refusal as PassportError);
  if (isReply(target)) {
    if (!target.sent)
      target
        .code(status)
        .headers({ ...headers })
        .send(Buffer.from(body));
    return;
  }
  if (target.headersSent) {
    target.end();
    return;
  }
  target.writeHead(status, headers).end(body);
}
