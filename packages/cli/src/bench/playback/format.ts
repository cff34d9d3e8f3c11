/** Printing a `d2v bench playback` report: the summary the command shows, and the table docs/BENCHMARKS.md holds. */
import type { PlaybackBenchReport } from './report';

const MB = 1024 * 1024;
const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');

export function formatPlaybackBenchReport(r: PlaybackBenchReport): string {
  const d = r.decrypt;
  const h = r.http;
  return [
    `d2v bench playback (${r.mode}) — ${r.machine.cores} cores ${r.machine.cpu}, Node ${r.machine.node}, load average ${r.machine.loadAverage.start} → ${r.machine.loadAverage.end}`,
    `  file: ${fixed(r.file.plaintextBytes / MB, 1)} MB plaintext in ${r.file.segmentSize / 1024} KiB segments (${r.file.ciphertextBytes} bytes encrypted; opening reads ${r.file.headerBytesRead} header bytes)`,
    '',
    `decrypt (the media port over a file read by range)`,
    `  whole file: ${fixed(d.wholeMs, 0)} ms (${fixed(d.wholeMBps, 0)} MB/s) — the baseline`,
    `  ${d.seeks - 2} random seeks of ${d.seekBytes / 1024} KiB: decrypted ÷ requested median ${fixed(d.decryptedPerRequested.median, 3)}, max ${fixed(d.decryptedPerRequested.max, 3)}; read ÷ requested median ${fixed(d.readPerRequested.median, 3)}; ${d.segmentsPerSeek.median}–${d.segmentsPerSeek.max} segments; ${fixed(d.seekMsMedian, 2)} ms each`,
    `  a seek to the last ${d.seekBytes / 1024} KiB decrypts ${fixed(d.tailDecryptedOfFile * 100, 3)} % of the file; the last byte alone ${d.lastByteDecrypted} bytes`,
    '',
    `HTTP (the playback service over SQLite + file blobs, loopback; medians of ${h.repeats})`,
    `  whole file ${fixed(h.wholeFetchMs, 0)} ms; first byte of a seek near the end ${fixed(h.ttfbNearEndMs, 2)} ms; at the start ${fixed(h.ttfbStartMs, 2)} ms`,
    `  time to first byte near the end ÷ whole fetch: ${fixed(h.ttfbNearEndOfWhole, 4)}; ÷ first byte at the start: ${fixed(h.ttfbNearEndOfStart, 2)}`,
    '',
    'targets',
    ...r.targets.map((t) => `  ${t.met ? 'met    ' : 'NOT MET'} ${t.name}: ${fixed(t.value, 4)} (target ${t.target})`),
    `  ${r.targets.filter((t) => t.met).length}/${r.targets.length} met`,
  ].join('\n');
}

export function formatPlaybackBenchMarkdown(r: PlaybackBenchReport): string {
  return [
    `Machine: ${r.machine.cores} cores ${r.machine.cpu}, Node ${r.machine.node}, load average ${r.machine.loadAverage.start} → ${r.machine.loadAverage.end}; ${fixed(r.file.plaintextBytes / MB, 0)} MB file, ${r.file.segmentSize / 1024} KiB segments.`,
    '',
    '| figure | value | target |',
    '|---|---|---|',
    `| whole-file decrypt (baseline) | ${fixed(r.decrypt.wholeMs, 0)} ms (${fixed(r.decrypt.wholeMBps, 0)} MB/s) | |`,
    `| bytes decrypted ÷ requested, ${r.decrypt.seekBytes / 1024} KiB seeks (median / max) | ${fixed(r.decrypt.decryptedPerRequested.median, 3)} / ${fixed(r.decrypt.decryptedPerRequested.max, 3)} | ${r.targets[0]?.target ?? ''} |`,
    `| ciphertext read ÷ requested (median) | ${fixed(r.decrypt.readPerRequested.median, 3)} | |`,
    `| tail seek decrypts, of the file | ${fixed(r.decrypt.tailDecryptedOfFile * 100, 3)} % | ${r.targets[1]?.target ?? ''} |`,
    `| whole file over HTTP | ${fixed(r.http.wholeFetchMs, 0)} ms | |`,
    `| first byte of a seek near the end | ${fixed(r.http.ttfbNearEndMs, 2)} ms | |`,
    `| … ÷ whole-file fetch | ${fixed(r.http.ttfbNearEndOfWhole, 4)} | < 0.1 |`,
    `| … ÷ first byte at the start | ${fixed(r.http.ttfbNearEndOfStart, 2)} | ≤ 2 |`,
  ].join('\n');
}
