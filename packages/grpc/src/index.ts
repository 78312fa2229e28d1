export { channelTargetHosts } from './channel-target.js';
export { passportClientInterceptor } from './client-interceptor.js';
export type { GrpcClientOptions, GrpcServerOptions } from './options.js';
export {
  type GrpcRefusal,
  grpcRefusal,
  PASSPORT_ERROR_METADATA_KEY,
} from './refusal-status.js';
export { passportServerInterceptor } from './server-interceptor.js';
