/**
 * What the README tells a newcomer to type: every line of its ```bash blocks and every inline `npm …`, `npx …`,
 * `firebase …`, `openssl …` or `curl …` in its prose. The README test runs each of them (or names the one place that
 * does, such as `.ci/run` for `npm ci` and `npm test`), so a command that stops working fails a test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

export interface ReadmeCommand {
  /** The command as the README shows it (a bash line without its trailing comment, or an inline span). */
  text: string;
  /** The 1-based README line it comes from. */
  line: number;
  /** `block:N` for the Nth bash block (lines of one block share their variables), `inline` for prose. */
  where: string;
}

const INLINE_COMMAND = /(^|[ =])(npm|npx|firebase|openssl|curl) /;

export function readmeCommands(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  const lines = readme.split('\n');
  let block = 0;
  let inBash = false;
  let inOther = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!inBash && !inOther && raw.startsWith('```')) {
      if (raw.trim() === '```bash') {
        inBash = true;
        block++;
      } else inOther = true;
      return;
    }
    if ((inBash || inOther) && raw.startsWith('```')) {
      inBash = inOther = false;
      return;
    }
    if (inOther) return;
    if (inBash) {
      const text = stripComment(raw).trim();
      if (text) commands.push({ text, line, where: `block:${block}` });
      return;
    }
    for (const m of raw.matchAll(/`([^`]+)`/g)) {
      if (INLINE_COMMAND.test(m[1]!)) commands.push({ text: m[1]!, line, where: 'inline' });
    }
  });
  return commands;
}

/** Drops a trailing `# comment` that stands outside quotes (two spaces or more before it, as the README writes them). */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && /\s\s$/.test(line.slice(0, i))) return line.slice(0, i);
  }
  return line;
}
