import type { Command } from 'commander';
import { QUOTA_MONITOR_DOC, buildCoreConfig, dayOf, parseSince, readStats, silentLogger, type DocumentStore, type QuotaMonitorDoc } from '@d2v/core';
import { LocalStatsAggregator, SqliteDocumentStore, SqliteEventSink } from '@d2v/local';
import { dataDirOf } from '../data-dir';
import { FirestoreReadOnlyStore } from '../firebase-store';
import { openLocalDatabase } from '../inspect/local-source';
import { EXIT_OK, EXIT_UNUSABLE, runReporting } from '../output';
import { formatStats } from '../stats-format';

export interface StatsOptions {
  since?: string;
  project?: string;
  dataDir?: string;
  json?: boolean;
}

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('success/failure rates per model and day, failures by code, latency p50/p95/p99, credits, Luma usage and quota')
    .option('--since <when>', 'first day: 2025-06-01, or back from today: 7d, 24h, 90m (default: today)')
    .option('--project <projectId>', 'read a Firebase project instead of the local stack')
    .option('--data-dir <dir>', 'the local stack data dir (default $D2V_DATA_DIR or .local/data)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: StatsOptions) => {
      process.exitCode = await runStats(opts);
    });
}

export async function runStats(opts: StatsOptions, env: NodeJS.ProcessEnv = process.env, write: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  return runReporting({ write }, async (out) => {
    const now = Date.now();
    let since: string;
    try {
      since = parseSince(opts.since, now);
    } catch (e) {
      out.write(`${JSON.stringify({ error: { code: 'INVALID_REQUEST', message: (e as Error).message } })}\n`);
      out.exit(EXIT_UNUSABLE);
      return;
    }
    const range = { since, until: dayOf(now) };
    const print = async (store: DocumentStore) => {
      const report = await readStats(store, range);
      const quota = (await store.get<QuotaMonitorDoc>(QUOTA_MONITOR_DOC))?.data ?? null;
      out.write(opts.json ? `${JSON.stringify({ ...report, quota }, null, 2)}\n` : formatStats(report, quota));
    };
    if (opts.project) {
      await print(FirestoreReadOnlyStore.forProject(opts.project));
    } else {
      const db = openLocalDatabase(dataDirOf(opts.dataDir, env));
      try {
        const store = new SqliteDocumentStore({ db });
        // Events published since the stack's aggregator last ran are folded in first (exactly once either way).
        const shards = buildCoreConfig({ webhookSecret: 'unused-by-the-aggregator' }).statsShards;
        await new LocalStatsAggregator({ events: new SqliteEventSink({ db }), store, shards, intervalMs: 60_000, clock: { now: () => Date.now() }, log: silentLogger }).flush();
        await print(store);
      } finally {
        db.close();
      }
    }
    out.exit(EXIT_OK);
  });
}
