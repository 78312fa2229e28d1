import { Writable } from 'node:stream';

/** A writable that keeps every JSON line written to it, parsed. */
export function lineSink(): {
  stream: Writable;
  lines: Record<string, unknown>[];
  text: () => string;
} {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw += chunk.toString('utf8');
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { stream, lines, text: () => raw };
}
