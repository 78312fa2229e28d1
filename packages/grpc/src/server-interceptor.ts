import {
  type Metadata,
  Metadata as MetadataClass,
  ResponderBuilder,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  ServerListenerBuilder,
} from '@grpc/grpc-js';
import {
  type HeaderCarrier,
  isPassportError,
  type PassportFields,
  type Relay,
  type RelayContext,
} from '@passport-relay/core';
import { assertRelay, checkOptions, requirement } from '@passport-relay/core/adapter';
import type { GrpcServerOptions } from './options.js';
import { grpcRefusal, PASSPORT_ERROR_METADATA_KEY } from './refusal-status.js';

/** The text values of `name` in `metadata` (binary `-bin` values are not passports). */
function textValues(metadata: Metadata, name: string): string[] | undefined {
  const values = metadata.get(name).filter((value): value is string => typeof value === 'string');
  return values.length === 0 ? undefined : values;
}

/**
 * A grpc-js (>= 1.10) server interceptor: verifies the passport in each call's metadata with
 * `relay.extract()` and runs the handler, and every message, half-close and cancel event of the
 * call, inside that passport's context, so `relay.current()` works in unary and streaming
 * handlers alike. A refused call ends with `UNAUTHENTICATED` (details without the token, the
 * `ERR_PASSPORT_*` code in the `passport-error` trailer) and the handler never runs.
 *
 * @param relay The relay from `createRelay()`.
 * @param options See {@link GrpcServerOptions}.
 * @example
 * ```ts
 * import { Server, ServerCredentials } from '@grpc/grpc-js';
 * import { passportServerInterceptor } from '@passport-relay/grpc';
 *
 * const server = new Server({ interceptors: [passportServerInterceptor(relay, { required: true })] });
 * server.addService(ordersService, {
 *   get(call, callback) {
 *     callback(null, { owner: relay.require().sub });
 *   },
 * });
 * ```
 */
export function passportServerInterceptor<T extends object = PassportFields>(
  relay: Relay<T>,
  options?: GrpcServerOptions,
): ServerInterceptor {
  const where = 'passportServerInterceptor';
  assertRelay(relay, where);
  const checked = checkOptions(where, options, {
    known: ['required'],
    example: 'passportServerInterceptor(relay, { required: true })',
  });
  const required = requirement<string>(where, checked.required, false);
  const names = [relay.header, ...relay.forwardHeaders];

  return function passportRelayServerInterceptor(methodDescriptor, call) {
    let context: RelayContext<T> | undefined;
    // Every event after the metadata is delivered inside the caller's context: grpc-js runs the
    // unary and server-streaming handler from half-close, the streaming ones from metadata.
    const inContext = (deliver: () => void) =>
      context === undefined ? deliver() : relay.runWith(context, deliver);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const carrier: Record<string, string[] | undefined> = {};
        for (const name of names) carrier[name] = textValues(metadata, name);
        try {
          context = relay.extract(carrier as HeaderCarrier, {
            required: required(methodDescriptor.path),
          });
        } catch (error) {
          if (!isPassportError(error)) throw error;
          refuse(interceptingCall, error);
          return;
        }
        inContext(() => next(metadata));
      })
      .withOnReceiveMessage((message, next) => inContext(() => next(message)))
      .withOnReceiveHalfClose((next) => inContext(next))
      .build();
    const responder = new ResponderBuilder().withStart((next) => next(listener)).build();
    const interceptingCall: ServerInterceptingCallInterface = new ServerInterceptingCall(
      call,
      responder,
    );
    return interceptingCall as ServerInterceptingCall;
  };
}

function refuse(
  call: ServerInterceptingCallInterface,
  error: Parameters<typeof grpcRefusal>[0],
): void {
  const refusal = grpcRefusal(error);
  const trailer = new MetadataClass();
  trailer.set(PASSPORT_ERROR_METADATA_KEY, refusal.errorCode);
  call.sendStatus({ code: refusal.code, details: refusal.details, metadata: trailer });
}
