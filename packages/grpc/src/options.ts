/**
 * Options of {@link passportServerInterceptor}. Every field is optional.
 * @example
 * ```ts
 * const options: GrpcServerOptions = { required: true };
 * ```
 */
export interface GrpcServerOptions {
  /**
   * Refuse calls that carry no passport (`UNAUTHENTICATED`, `ERR_PASSPORT_MISSING`). A predicate
   * decides per method from its path (`/orders.v1.Orders/Get`), so health checks stay open. A
   * passport that is present is always verified, whatever this says.
   * @default false
   * @example
   * ```ts
   * passportServerInterceptor(relay, { required: (path) => !path.startsWith('/grpc.health.') });
   * ```
   */
  readonly required?: boolean | ((methodPath: string) => boolean);
}

/**
 * Options of {@link passportClientInterceptor}.
 * @example
 * ```ts
 * const options: GrpcClientOptions = { target: 'dns:///orders.shop.svc.cluster.local:50051' };
 * ```
 */
export interface GrpcClientOptions {
  /**
   * The channel target the client was built with, exactly as given to its constructor
   * (`dns:///orders:50051`, `ipv4:10.0.0.1:50051`, `unix:/run/orders.sock`, `orders:50051`). The
   * passport goes only where the relay's `propagateTo` allows every host of it. Required: an
   * interceptor cannot see the channel it runs on.
   */
  readonly target: string;
}
