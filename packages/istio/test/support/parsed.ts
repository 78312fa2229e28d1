/**
 * A manifest as parsed from YAML or JSON, for tests that walk into it by known paths (a wrong path
 * fails the assertion that reads it).
 */
// biome-ignore lint/suspicious/noExplicitAny: tests index parsed manifests by known paths.
export type Parsed = Record<string, any>;
