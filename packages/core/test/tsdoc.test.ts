import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const srcDir = new URL('../src/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, srcDir), 'utf8');

/** Names exported by an entry point (`export { a, type B } from ...`, and `export * from` files). */
function exportedNames(entry: string): string[] {
  const names: string[] = [];
  for (const star of read(entry).matchAll(/export\s*\*\s*from\s*'\.\/([^']+)\.js'/g)) {
    names.push(...exportedNames(`${star[1]}.ts`));
  }
  for (const block of read(entry).matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)) {
    for (const part of block[1]!.split(',')) {
      const name = part.replace(/^\s*type\s+/, '').trim();
      if (name !== '') names.push(name);
    }
  }
  return names;
}

/** The TSDoc comment right above `export ... name` in any source file, or `undefined`. */
function docOf(name: string): string | undefined {
  const declaration = new RegExp(
    `(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/)?\\s*export\\s+(?:declare\\s+)?(?:abstract\\s+)?(?:const|function|class|interface|type)\\s+${name}\\b`,
  );
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.ts'))) {
    if (file === 'index.ts' || file === 'adapter.ts') continue;
    const match = declaration.exec(read(file));
    if (match !== null) return match[1] ?? '';
  }
  return undefined;
}

describe('every public export of core', () => {
  // StandardSchemaV1 is re-exported from @standard-schema/spec and documented there.
  const names = [...new Set([...exportedNames('index.ts'), ...exportedNames('adapter.ts')])].filter(
    (name) => name !== 'StandardSchemaV1',
  );

  it.each(names)('%s is documented with an @example', (name) => {
    const doc = docOf(name);
    expect(doc, `${name} is exported but not declared in src/`).toBeDefined();
    expect(doc).toContain('@example');
  });
});
