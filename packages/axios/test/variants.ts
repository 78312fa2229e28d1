import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';

/** One way an app sends a request with axios, set up after the install. */
export interface Variant {
  readonly name: string;
  readonly adapter: 'http' | 'fetch';
  /** The instance to call; made after install, as apps do. */
  instance(): AxiosInstance;
  /** Per-request config this variant adds. */
  readonly config: AxiosRequestConfig;
}

export const VARIANTS: readonly Variant[] = [
  { name: 'default instance', adapter: 'http', instance: () => axios, config: {} },
  { name: 'axios.create() instance', adapter: 'http', instance: () => axios.create(), config: {} },
  {
    name: "default instance, adapter 'fetch'",
    adapter: 'fetch',
    instance: () => axios,
    config: { adapter: 'fetch' },
  },
  {
    name: "axios.create({ adapter: 'fetch' }) instance",
    adapter: 'fetch',
    instance: () => axios.create({ adapter: 'fetch' }),
    config: {},
  },
];
