import http from 'node:http';
import axios from 'axios';
import { request as undiciRequest } from 'undici';

/** The outbound clients the end-to-end tests drive; each reads `http.request`/`fetch` at call time. */
export const CLIENTS = ['fetch', 'undici', 'http', 'axios'] as const;
export type Client = (typeof CLIENTS)[number];

/** One response as text, whichever client made it. */
export interface Reply {
  readonly status: number;
  readonly body: string;
}

function viaHttp(url: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** GET `url` with `client`, adding only `headers`; the outbound hooks add the rest. */
export async function get(
  client: Client,
  url: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  switch (client) {
    case 'fetch': {
      const response = await fetch(url, { headers });
      return { status: response.status, body: await response.text() };
    }
    case 'undici': {
      const response = await undiciRequest(url, { headers });
      return { status: response.statusCode, body: await response.body.text() };
    }
    case 'http':
      return viaHttp(url, headers);
    case 'axios': {
      const response = await axios.get<string>(url, {
        headers,
        responseType: 'text',
        validateStatus: () => true,
      });
      return { status: response.status, body: response.data };
    }
  }
}
