import http from 'node:http';
import axios from 'axios';
import got from 'got';
import fetch from 'node-fetch';
import superagent from 'superagent';
import { bodyOf } from './helpers.js';

/** What a test may vary on one GET. */
export interface CallOptions {
  readonly headers?: Record<string, string>;
  /** Where the connection really goes (see `loopbackAgent`). */
  readonly agent?: http.Agent;
}

/** One HTTP client built on node:http, driven the way its users drive it. */
export interface Client {
  readonly name: string;
  /** Whether the client follows redirects on its own. */
  readonly followsRedirects: boolean;
  get(url: string, options?: CallOptions): Promise<unknown>;
}

const axiosInstance = axios.create({ adapter: 'http' });

export const CLIENTS: readonly Client[] = [
  {
    name: 'http.get',
    followsRedirects: false,
    get: (url, { headers, agent } = {}) =>
      bodyOf(http.get(url, { ...(headers && { headers }), ...(agent && { agent }) })),
  },
  {
    name: 'got',
    followsRedirects: true,
    get: (url, { headers, agent } = {}) =>
      got(url, {
        retry: { limit: 0 },
        ...(headers && { headers }),
        ...(agent && { agent: { http: agent } }),
      }).text(),
  },
  {
    name: 'node-fetch',
    followsRedirects: true,
    get: async (url, { headers, agent } = {}) =>
      (await fetch(url, { ...(headers && { headers }), ...(agent && { agent }) })).text(),
  },
  {
    name: 'superagent',
    followsRedirects: true,
    get: async (url, { headers, agent } = {}) => {
      const request = superagent.get(url);
      if (headers) request.set(headers);
      if (agent) request.agent(agent);
      return (await request).text;
    },
  },
  {
    name: 'axios (http adapter)',
    followsRedirects: true,
    get: async (url, { headers, agent } = {}) =>
      (
        await axiosInstance.get(url, {
          ...(headers && { headers }),
          ...(agent && { httpAgent: agent }),
        })
      ).data,
  },
];
