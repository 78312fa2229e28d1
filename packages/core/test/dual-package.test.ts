import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

// A real Node process loads the built package through both `import` (dist/index.js) and
// `require` (dist/index.cjs): two copies of every module, as in an app that mixes ESM and CJS.
const script = `
import { createRequire } from 'node:module';
const esm = await import('@passport-relay/core');
const cjs = createRequire(import.meta.url)('@passport-relay/core');
const codec = () => esm.plainCodecTrustingMesh();
const viaEsm = esm.createRelay({ codec: codec() });
const viaCjs = cjs.createRelay({ codec: cjs.plainCodecTrustingMesh() });
let error;
try { viaCjs.require(); } catch (e) { error = e; }
const result = {
  twoCopies: esm.createRelay !== cjs.createRelay,
  cjsSeesEsmRun: viaEsm.run({ sub: 'user-1' }, () => viaCjs.current()?.sub),
  esmSeesCjsRun: viaCjs.run({ sub: 'user-2' }, () => viaEsm.current()?.sub),
  errorBrandAcrossCopies: error instanceof esm.PassportError && esm.isPassportError(error),
  outsideIsEmpty: viaCjs.current() === undefined,
};
console.log(JSON.stringify(result));
`;

describe('ESM and CommonJS copies in one process', () => {
  it('share one context and recognise each other’s errors', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageRoot,
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual({
      twoCopies: true,
      cjsSeesEsmRun: 'user-1',
      esmSeesCjsRun: 'user-2',
      errorBrandAcrossCopies: true,
      outsideIsEmpty: true,
    });
  });
});
