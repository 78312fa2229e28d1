export { expectEveryCallDecided } from './every-call-decided.js';
export type { PropagationDoctorOptions } from './options.js';
export {
  installPropagationDoctor,
  type PropagationDoctor,
  WATCHED_CLIENTS,
} from './propagation-doctor.js';
export { UNDECIDED_CHANNEL, type UndecidedRequest } from './undecided-request.js';
