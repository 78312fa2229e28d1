export {
  type GlobalFetchPropagationOptions,
  installGlobalFetchPropagation,
} from './install-global-fetch-propagation.js';
export { passportInterceptor } from './passport-interceptor.js';
