export type { PassportLogOptions } from './options.js';
export { pinoPassportMixin } from './pino-mixin.js';
export { type PassportLogFormat, winstonPassportFormat } from './winston-format.js';
