import { InterceptingCall, type Interceptor, RequesterBuilder } from '@grpc/grpc-js';
import type { PassportFields, Relay } from '@passport-relay/core';
import {
  assertRelay,
  checkOptions,
  decideHop,
  type OutboundRelay,
  optionError,
} from '@passport-relay/core/adapter';
import { channelTargetHosts } from './channel-target.js';
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
  const where = 'passportClientInterceptor';
  assertRelay(relay, where);
  const { target } = checkOptions(where, options, {
    known: ['target'],
    example: 'passportClientInterceptor(relay, { target: "dns:///orders:50051" })',
    required: true,
  });
  if (typeof target !== 'string') {
    throw optionError(
      where,
      'give the channel target the client connects to: passportClientInterceptor(relay, { target: "dns:///orders:50051" }).',
    );
  }
  const [first, ...others] = channelTargetHosts(target);

  return function passportRelayClientInterceptor(callOptions, nextCall) {
    // Read in the caller's context, when the call is made; decided when the metadata is known, so
    // metadata the caller set wins. An `ipv4:` list reaches any of its addresses: the target is
    // allowed only when every one of them is.
    const context = relay.currentContext();
    const hop: OutboundRelay = {
      header: relay.header,
      forwardHeaders: relay.forwardHeaders,
      currentContext: () => context,
      allows: (host) => relay.allows(host) && others.every((other) => relay.allows(other)),
    };
    const requester = new RequesterBuilder()
      .withStart((metadata, listener, next) => {
        const { add } = decideHop(hop, first!, { has: (name) => metadata.get(name).length > 0 });
        for (const [name, value] of add) metadata.set(name, value);
        next(metadata, listener);
      })
      .build();
    return new InterceptingCall(nextCall(callOptions), requester);
  };
}
