/** What a scratch app answered for a caller with a real passport, and what it must say. */
export interface Served {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One README's install line(s), run in a fresh scratch app, and the app that proves they work. */
export interface Scenario {
  /** Names the scratch app's cache directory; unique. */
  readonly id: string;
  /** The README the lines are in, relative to the repository root. */
  readonly readme: string;
  /**
   * The README's install commands this scenario runs, in order, each as written (a RegExp where
   * another branch is expected to change a version, e.g. undici's range).
   */
  readonly lines: readonly (string | RegExp)[];
  /** What the user's app has installed already, before the README's lines (npm install args). */
  readonly before?: readonly (readonly string[])[];
  /** The app file under `apps/` (copied with `common.mjs` and `extraFiles`). */
  readonly app: string;
  readonly extraFiles?: readonly string[];
  /**
   * Brokers the user's app connects to (its infrastructure, not something it installs): the test
   * starts each once on loopback and passes `REDIS_URL`, `AMQP_URL` or `NATS_URL` to the app.
   */
  readonly brokers?: readonly ('redis' | 'rabbitmq' | 'nats')[];
  /** Node flags for the app, e.g. `--import ./otel-start.mjs`. */
  readonly nodeArgs?: readonly string[];
  /**
   * Installed packages whose `engines.node` the running Node must meet for the app to run; when
   * it does not, the app part is skipped and says which package needs what.
   */
  readonly engines?: readonly string[];
  /** Does the app's answer prove the passport reached business code (and the allowed downstream)? */
  readonly check: (served: Served, token: string) => void;
  /** The app is a CLI, not a server: run it with these args, and check its output. */
  readonly cli?: { readonly bin: string; readonly args: readonly string[] };
}
