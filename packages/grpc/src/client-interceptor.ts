import { InterceptingCall, type Interceptor, RequesterBuilder } from '@grpc/grpc-js';
import type { PassportFields, Relay } from '@passport-relay/core';
import { resolveClientOptions } from './internal/resolve-options.js';
import type { GrpcClientOptions } from './options.js';

/**
 * A grpc-js client interceptor: adds the caller's passport (and forwarded headers) to the
 * metadata of every call made in a passport's context, but only when the relay's `propagateTo`
 * allows every host of the channel's target; metadata the caller set explicitly wins. Works for
 * unary and streaming calls. Give it to the client constructor's `interceptors` option.
 *
 * The decision is read when the call is made, in the caller's context, and published on core's
 * `passport-relay:injected` / `withheld` diagnostics channels.
 *
 * @param relay The relay from `createRelay()`.
 * @param options The channel target, see {@link GrpcClientOptions}.
 * @example
 * ```ts
 * import { credentials } from '@grpc/grpc-js';
 * import { passportClientInterceptor } from '@passport-relay/grpc';
 *
 * const target = 'dns:///orders.shop.svc.cluster.local:50051';
 * const orders = new OrdersClient(target, credentials.createInsecure(), {
 *   interceptors: [passportClientInterceptor(relay, { target })],
 * });
 * ```
 */
export function passportClientInterceptor<T extends object = PassportFields>(
  relay: Relay<T>,
  options: GrpcClientOptions,
): Interceptor {
  const { hosts } = resolveClientOptions(relay, options);
  const [first, ...others] = hosts;

  return function passportRelayClientInterceptor(callOptions, nextCall) {
    // One decision per call, in the caller's context: the first host decides and publishes; any
    // other address of an `ipv4:` list must be allowed too.
    const decided = relay.outboundHeaders(first!);
    const headers =
      decided !== undefined && others.every((host) => relay.allows(host)) ? decided : undefined;
    const requester = new RequesterBuilder()
      .withStart((metadata, listener, next) => {
        if (headers !== undefined) {
          for (const [name, value] of headers) {
            if (metadata.get(name).length === 0) metadata.set(name, value);
          }
        }
        next(metadata, listener);
      })
      .build();
    return new InterceptingCall(nextCall(callOptions), requester);
  };
}
