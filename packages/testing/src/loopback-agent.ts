import { Agent } from 'node:http';
import { connect } from 'node:net';

/**
 * Options of {@link loopbackAgent}.
 * @example
 * ```ts
 * const agent = loopbackAgent(offList.port, { host: '127.0.0.2' });
 * ```
 */
export interface LoopbackAgentOptions {
  /**
   * The loopback address the server listens on.
   * @default "127.0.0.1"
   */
  readonly host?: string;
}

/**
 * A `node:http` agent that connects every request to a loopback `port`, whatever host the URL
 * names (the `Host` header still says that host). It tests a decision about a host you must never
 * call, such as a cloud metadata address, end to end without traffic leaving the machine. Clients
 * built on `node:http` take it as their agent (axios: `httpAgent`, got: `agent.http`). Destroy it
 * after use.
 *
 * @example
 * ```ts
 * const agent = loopbackAgent(server.port);
 * await runAsCaller(relay, token, () =>
 *   axios.get(`http://169.254.169.254:${server.port}/latest`, { httpAgent: agent }),
 * );
 * expect(server.received('passport')).toEqual([undefined]); // the metadata host got nothing
 * agent.destroy();
 * ```
 */
export function loopbackAgent(port: number, options: LoopbackAgentOptions = {}): Agent {
  const host = options.host ?? '127.0.0.1';
  const agent = new Agent({ keepAlive: false });
  agent.createConnection = () => connect({ port, host });
  return agent;
}
