import cliProgress from 'cli-progress';
import { STATE_MACHINE, type Transition, type VideoRequest } from '@d2v/schema';

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
  let printed = 0;
  const t0 = Date.now();
  const print = (line: string) => (multi ? multi.log(`${line}\n`) : out.write(`${line}\n`));
  return {
    /** `transitions` is the request's whole log; lines not printed yet are printed in order. */
    update(doc: VideoRequest, transitions: readonly Transition[]) {
      for (const t of transitions.slice(printed)) {
        const error = t.error ? ` — ${t.error.code}: ${t.error.message}` : '';
        print(`  ${((Date.parse(t.at) - t0) / 1000).toFixed(1).padStart(5)} s  ${t.to.padEnd(17)} ${STATE_MACHINE[t.to].label}${error}`);
      }
      printed = Math.max(printed, transitions.length);
      bar?.update(Math.round(doc.progress * 100), { label: STATE_MACHINE[doc.state].label });
    },
    stop() {
      multi?.stop();
    },
  };
}
