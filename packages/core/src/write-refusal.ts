import type { ServerResponse } from 'node:http';
import { type PassportError, type RefusalResponse, refusalResponse } from './errors.js';

/**
 * Answer a refused request on a Node `ServerResponse` with core's refusal (see `refusalResponse`:
 * status, problem body, `WWW-Authenticate`, generic detail for server-side errors). When headers
 * are already sent it only ends the response. Pass a prepared `RefusalResponse` to answer with one
 * an adapter built (the gateway's Bearer challenge).
 *
 * @example
 * ```ts
 * if (isPassportError(outcome)) return writeRefusal(res, outcome);
 * ```
 */
export function writeRefusal(
  res: Pick<ServerResponse, 'headersSent' | 'writeHead' | 'end'>,
  refusal: PassportError | RefusalResponse,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const { status, headers, body } =
    'body' in refusal && typeof refusal.body === 'string'
      ? refusal
      : refusalResponse(refusal as PassportError);
  res.writeHead(status, headers).end(body);
}
