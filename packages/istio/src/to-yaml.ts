import { stringify } from 'yaml';

interface Serializable {
  toJSON?(): unknown;
}

/**
 * Print manifests as multi-document YAML (documents separated by `---`), ready for
 * `kubectl apply -f -`. Accepts the model objects this package returns, or any plain objects.
 *
 * Long strings are never folded, and values YAML would misread (`"*"`, `"true"`) are quoted.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { passportManifests, toYaml } from '@passport-relay/istio';
 *
 * writeFileSync('istio.yaml', toYaml(passportManifests({ namespace: 'shop' })));
 * ```
 */
export function toYaml(manifests: readonly object[] | object): string {
  const list: readonly object[] = Array.isArray(manifests) ? manifests : [manifests];
  return list
    .map((manifest) => {
      const plain =
        typeof (manifest as Serializable).toJSON === 'function'
          ? (manifest as Serializable).toJSON!()
          : manifest;
      return stringify(plain, { lineWidth: 0 });
    })
    .join('---\n');
}
