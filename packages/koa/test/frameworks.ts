import Koa3 from 'koa';
import Koa2 from 'koa2';

/** Every major of Koa the peer range names, so each suite runs against both. */
export const koaVersions = [
  { name: 'Koa 3', Koa: Koa3 },
  { name: 'Koa 2', Koa: Koa2 as unknown as typeof Koa3 },
] as const;
