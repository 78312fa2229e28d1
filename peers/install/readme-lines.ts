import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One install command a README tells its reader to run. */
export interface ReadmeInstallLine {
  /** The README, relative to the repository root, e.g. `packages/nest/README.md`. */
  readonly readme: string;
  /** 1-based line the command starts on. */
  readonly line: number;
  /** The command as written, continuation lines joined and a trailing `# comment` removed. */
  readonly command: string;
}

// A command that adds packages to an app: `npm install x`, `npm i -D x`, `pnpm add x`, `yarn add x`.
// `pnpm install` with no package (the repository's own setup) installs nothing a user adds.
const INSTALL = /^(?:npm (?:install|i)|pnpm add|yarn add)(?:\s+\S+)+$/;
const INLINE = /`((?:npm (?:install|i)|pnpm add|yarn add) [^`]+)`/g;

const withoutComment = (text: string) => text.replace(/\s+#.*$/, '').trim();

/** Every install command in one README: shell lines in fenced blocks and inline code in prose. */
export function installLinesOf(root: string, file: string): ReadmeInstallLine[] {
  const readme = relative(root, file);
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: ReadmeInstallLine[] = [];
  let fenced = false;
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] ?? '';
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      let command = text.trim();
      const start = index;
      while (command.endsWith('\\') && index + 1 < lines.length) {
        index++;
        command = `${command.slice(0, -1).trim()} ${(lines[index] ?? '').trim()}`;
      }
      command = withoutComment(command);
      if (INSTALL.test(command)) found.push({ readme, line: start + 1, command });
    } else {
      for (const match of text.matchAll(INLINE)) {
        const command = withoutComment(match[1] ?? '');
        if (INSTALL.test(command)) found.push({ readme, line: index + 1, command });
      }
    }
  }
  return found;
}

/** Every install command in every package's and example's README. */
export function allReadmeInstallLines(root: string): ReadmeInstallLine[] {
  const readmes: string[] = [];
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const file = join(root, group, name, 'README.md');
      if (existsSync(file)) readmes.push(file);
    }
  }
  return readmes.flatMap((file) => installLinesOf(root, file));
}
