import { describe, expect, it } from 'vitest';
import { type Closable, closeAll } from '../src/index.js';

describe('closeAll', () => {
  it('closes newest first, objects and uninstall functions alike, and empties the list', async () => {
    const order: string[] = [];
    const opened: Closable[] = [
      { close: async () => order.push('server') },
      () => order.push('uninstall'),
      { close: () => order.push('client') },
    ];
    await closeAll(opened);
    expect(order).toEqual(['client', 'uninstall', 'server']);
    expect(opened).toEqual([]);
  });

  it('closes the rest when one close fails, then throws that failure', async () => {
    const order: string[] = [];
    const failure = new Error('close failed');
    const opened: Closable[] = [
      () => order.push('first'),
      () => {
        throw failure;
      },
      () => order.push('last'),
    ];
    await expect(closeAll(opened)).rejects.toBe(failure);
    expect(order).toEqual(['last', 'first']);
  });

  it('throws every failure as an AggregateError when several closes fail', async () => {
    const fail = (message: string) => () => {
      throw new Error(message);
    };
    const error = await closeAll([fail('a'), fail('b')]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['b', 'a']);
  });
});
