import cliProgress from 'cli-progress';
import { STATE_MACHINE, type VideoRequest } from '@d2v/schema';

/**
 * Shows a request moving: one line per state it reaches and, on a terminal, a live bar with the overall
 * progress. Without a TTY (CI, pipes) only the state lines are printed.
 */
export function createProgressView(out: NodeJS.WriteStream) {
  const interactive = Boolean(out.isTTY);
  const multi = interactive
    ? new cliProgress.MultiBar(
        { stream: out, format: ' {bar} {percentage}% | {label}', hideCursor: true, clearOnComplete: true, barsize: 30 },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const bar = multi?.create(100, 0, { label: 'starting' });
  let lastState = '';
  const t0 = Date.now();
  return {
    update(doc: VideoRequest) {
      if (doc.state !== lastState) {
        lastState = doc.state;
        const line = `  ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${doc.state.padEnd(17)} ${STATE_MACHINE[doc.state].label}${doc.error ? ` — ${doc.error.code}: ${doc.error.message}` : ''}`;
        if (multi) multi.log(`${line}\n`);
        else out.write(`${line}\n`);
      }
      bar?.update(Math.round(doc.progress * 100), { label: STATE_MACHINE[doc.state].label });
    },
    stop() {
      multi?.stop();
    },
  };
}
