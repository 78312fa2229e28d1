import type { UndecidedRequest } from '../undecided-request.js';

function withoutQuery(path: unknown): string {
  if (typeof path !== 'string') return '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/** What a `node:http` `ClientRequest` says about itself, without its headers. */
export function describeHttpRequest(request: {
  method?: string;
  protocol?: string;
  host?: string;
  path?: string;
  getHeader?: (name: string) => unknown;
}): UndecidedRequest {
  // `host` has no port; the Host header Node sets has it.
  const host = request.getHeader?.('host');
  return {
    client: 'node:http',
    method: request.method ?? 'GET',
    origin: `${request.protocol ?? 'http:'}//${typeof host === 'string' ? host : (request.host ?? 'localhost')}`,
    path: withoutQuery(request.path),
  };
}

/** What an undici `Request` (message of `undici:request:create`) says about itself. */
export function describeUndiciRequest(request: {
  method?: string;
  origin?: string | URL;
  path?: string;
}): UndecidedRequest {
  return {
    client: 'undici',
    method: request.method ?? 'GET',
    origin: String(request.origin ?? ''),
    path: withoutQuery(request.path),
  };
}
