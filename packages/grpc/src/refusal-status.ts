import { type PassportError, toProblem } from '@passport-relay/core';

/**
 * The trailing metadata key that carries the refusal's `ERR_PASSPORT_*` code.
 * @example
 * ```ts
 * client.get(request, (error) => console.log(error?.metadata.get(PASSPORT_ERROR_METADATA_KEY)[0]));
 * ```
 */
export const PASSPORT_ERROR_METADATA_KEY = 'passport-error';

/** gRPC status codes used here (from the gRPC spec; equal to grpc-js's `status` enum). */
const UNAUTHENTICATED = 16;
const UNAVAILABLE = 14;
const INTERNAL = 13;

/**
 * A refusal as gRPC says it: a status code, token-free details, and the error code.
 * @example
 * ```ts
 * const { code, details, errorCode } = grpcRefusal(error); // 16, 'Passport expired: ...', 'ERR_PASSPORT_EXPIRED'
 * ```
 */
export interface GrpcRefusal {
  /** `UNAUTHENTICATED` (16) for every refused passport; `UNAVAILABLE` (14) when keys cannot be fetched; `INTERNAL` (13) for misconfiguration. */
  readonly code: number;
  /** `"<title>: <detail>"` from core's problem, which never echoes the token. */
  readonly details: string;
  /** `ERR_PASSPORT_*`, sent in trailing metadata under {@link PASSPORT_ERROR_METADATA_KEY}. */
  readonly errorCode: PassportError['code'];
}

/**
 * Map a `PassportError` to the gRPC status a server answers with. HTTP's 401, 400 (two passports)
 * and 431 (too large) all mean "these credentials are not acceptable", which gRPC calls
 * `UNAUTHENTICATED`; the exact reason travels as the `passport-error` trailer.
 *
 * @example
 * ```ts
 * const { code, details } = grpcRefusal(error); // 16, 'Passport expired: ...'
 * ```
 */
export function grpcRefusal(error: PassportError): GrpcRefusal {
  const problem = toProblem(error);
  const code =
    error.status === 503 ? UNAVAILABLE : error.status >= 500 ? INTERNAL : UNAUTHENTICATED;
  return { code, details: `${problem.title}: ${problem.detail}`, errorCode: error.code };
}
