export {
  type AxiosPropagationOptions,
  installAxiosPropagation,
} from './install-axios-propagation.js';
