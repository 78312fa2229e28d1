import { describe, expect, it } from 'vitest';
import { installedCount, installedKeys, installOnce } from '../src/adapter.js';

describe('installOnce, the one install registry of the adapters', () => {
  it('installs once per (scope, key); each call gets its own uninstall; the undo goes with the last', () => {
    const scope = {};
    const key = {};
    const log: string[] = [];
    const install = () => {
      log.push('install');
      return () => log.push('undo');
    };
    const first = installOnce('test.once', scope, key, install);
    const second = installOnce('test.once', scope, key, install);
    expect(second).not.toBe(first);
    expect(log).toEqual(['install']);
    first();
    first();
    expect(log).toEqual(['install']);
    expect(installedCount('test.once', scope)).toBe(1);
    second();
    expect(log).toEqual(['install', 'undo']);
    expect(installedCount('test.once', scope)).toBe(0);
    installOnce('test.once', scope, key, install)();
    expect(log).toEqual(['install', 'undo', 'install', 'undo']);
  });

  it('lists the keys installed on a scope, oldest first, and only while installed', () => {
    const scope = {};
    const [a, b] = [{ name: 'a' }, { name: 'b' }];
    const uninstallA = installOnce('test.keys', scope, a, () => () => {});
    const uninstallB = installOnce('test.keys', scope, b, () => () => {});
    installOnce('test.keys', {}, {}, () => () => {});
    installOnce('test.other-name', scope, {}, () => () => {});
    expect([...installedKeys('test.keys', scope)]).toEqual([a, b]);
    uninstallA();
    expect([...installedKeys('test.keys', scope)]).toEqual([b]);
    uninstallB();
    expect([...installedKeys('test.keys', scope)]).toEqual([]);
    expect([...installedKeys('test.never-used', scope)]).toEqual([]);
  });
});
