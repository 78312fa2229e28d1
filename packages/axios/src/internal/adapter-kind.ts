/**
 * How a request will leave: axios's `http` adapter (Node http + follow-redirects), its `fetch`
 * adapter, or something else (xhr, a custom adapter function).
 */
export type AdapterKind = 'http' | 'fetch' | 'other';

/** axios's own default, used when `config.adapter` is empty. */
const DEFAULT_ADAPTERS: readonly unknown[] = ['xhr', 'http', 'fetch'];

/**
 * The adapter axios will pick for `adapter`, by the rule of its `getAdapter`: the first entry that is
 * available. In Node `xhr` is not (unless a global `XMLHttpRequest` is installed); `http` and `fetch`
 * are. A function is used as is; axios's own adapter functions carry an `adapterName`.
 */
export function adapterKind(adapter: unknown): AdapterKind {
  const list = Array.isArray(adapter) ? adapter : adapter ? [adapter] : DEFAULT_ADAPTERS;
  for (const entry of list) {
    if (entry === null || entry === false) continue;
    if (typeof entry === 'function') {
      const name = (entry as { adapterName?: unknown }).adapterName;
      return name === 'http' || name === 'fetch' ? name : 'other';
    }
    const name = String(entry).toLowerCase();
    if (
      name === 'xhr' &&
      typeof (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest === 'undefined'
    ) {
      continue;
    }
    return name === 'http' || name === 'fetch' ? name : 'other';
  }
  return 'other';
}
