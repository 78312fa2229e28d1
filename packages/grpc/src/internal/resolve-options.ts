import type { Relay } from '@passport-relay/core';
import { channelTargetHosts } from '../channel-target.js';
import type { GrpcClientOptions, GrpcServerOptions } from '../options.js';
import { badOption, checkKnownKeys, checkRelay } from './check-relay.js';

const always = () => true;
const never = () => false;

/** Validate the server interceptor's relay and options once, at start-up. */
export function resolveServerOptions(
  relay: Relay<object>,
  options: GrpcServerOptions | undefined,
): { readonly required: (methodPath: string) => boolean } {
  const where = 'passportServerInterceptor';
  checkRelay(where, relay);
  const { required = false } = checkKnownKeys(where, options, ['required']);
  if (typeof required === 'function') return { required };
  if (typeof required !== 'boolean') {
    throw badOption(where, '"required" must be a boolean or a function (methodPath) => boolean.');
  }
  return { required: required ? always : never };
}

/** Validate the client interceptor's relay and target once; return the hosts the target reaches. */
export function resolveClientOptions(
  relay: Relay<object>,
  options: GrpcClientOptions | undefined,
): { readonly hosts: readonly string[] } {
  const where = 'passportClientInterceptor';
  checkRelay(where, relay);
  const { target } = checkKnownKeys(where, options, ['target']);
  if (target === undefined) {
    throw badOption(
      where,
      'give the channel target the client connects to: passportClientInterceptor(relay, { target: "dns:///orders:50051" }).',
    );
  }
  return { hosts: Object.freeze(channelTargetHosts(target)) };
}
