/** The header-writing methods of a `ClientRequest` that a client may call after creating it. */
interface WritableHeaders {
  setHeader(name: string, value: unknown): unknown;
  appendHeader?(name: string, value: unknown): unknown;
}

function carries(withheld: ReadonlyMap<string, string>, name: unknown, value: unknown): boolean {
  if (typeof name !== 'string') return false;
  const own = withheld.get(name.toLowerCase());
  if (own === undefined) return false;
  return Array.isArray(value) ? value.some((v) => String(v) === own) : String(value) === own;
}

/**
 * Keep a relay's own values off one request to a host off the list, when the client sets them
 * after creating it (superagent copies the previous request's headers onto the next one on a
 * redirect, and sets them with `setHeader`). Other headers and other values pass untouched.
 */
export function withholdFrom(request: unknown, withheld: ReadonlyMap<string, string>): void {
  const target = request as Partial<WritableHeaders> | null;
  if (typeof target?.setHeader !== 'function') return;
  const setHeader = target.setHeader;
  target.setHeader = function setHeaderExceptPassport(this: unknown, name, value) {
    return carries(withheld, name, value) ? this : setHeader.call(this, name, value);
  };
  const appendHeader = target.appendHeader;
  if (typeof appendHeader === 'function') {
    target.appendHeader = function appendHeaderExceptPassport(this: unknown, name, value) {
      return carries(withheld, name, value) ? this : appendHeader.call(this, name, value);
    };
  }
}
