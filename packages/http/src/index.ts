export { installHttpPropagation } from './install-http-propagation.js';
