/**
 * Test-only functions for `npm run check:functions` (scripts/check-functions.sh). They exist only when the
 * module is loaded with D2V_FUNCTIONS_PROBE=1 — never in a deploy — and prove, inside the real Functions and
 * Cloud Tasks emulators, that our CloudTasksQueue adapter (region-qualified queue name, hashed task id,
 * duplicate swallowed) reaches an onTaskDispatched function.
 *
 * probeEnqueue (HTTP): body {nonce, dedupeId} → enqueues {uid:'probe', requestId: nonce} twice with the same
 * dedupe id (the second must be dropped as a duplicate), answers {taskId}.
 * probeTask (task queue): appends `${requestId}\n` to the file named by D2V_PROBE_FILE.
 */
import { appendFileSync } from 'node:fs';
import { onRequest } from 'firebase-functions/v2/https';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { DEFAULT_REGION } from '../config';
import { parseTaskPayload } from '../http';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

export const PROBE_ENABLED = process.env.D2V_FUNCTIONS_PROBE === '1';

function makeProbeEnqueue() {
  return onRequest({ region: DEFAULT_REGION }, async (req, res) => {
    const body = (req.body ?? {}) as { nonce?: unknown; dedupeId?: unknown };
    const nonce = typeof body.nonce === 'string' ? body.nonce : '';
    const dedupeId = typeof body.dedupeId === 'string' ? body.dedupeId : nonce;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(nonce)) {
      res.status(400).json({ error: 'nonce required' });
      return;
    }
    try {
      const { getFunctions } = await import('firebase-admin/functions');
      const { CloudTasksQueue, adminAppInstance, cloudTaskId } = await import('../pipeline');
      const queue = new CloudTasksQueue(getFunctions(adminAppInstance()), DEFAULT_REGION, {
        submit: 'probeTask',
        poll: 'probeTask',
        download: 'probeTask',
        process: 'probeTask',
      });
      await queue.enqueue('poll', { uid: 'probe', requestId: nonce }, { id: dedupeId });
      await queue.enqueue('poll', { uid: 'probe', requestId: nonce }, { id: dedupeId });
      runtimeLogger().info({ nonce }, logs.probeEnqueued);
      res.status(200).json({ ok: true, taskId: cloudTaskId(dedupeId) });
    } catch (err) {
      res.status(500).json({ error: String(err) });
    }
  });
}

function makeProbeTask() {
  return onTaskDispatched(
    { region: DEFAULT_REGION, retryConfig: { maxAttempts: 1 }, rateLimits: { maxConcurrentDispatches: 5, maxDispatchesPerSecond: 50 } },
    async (req) => {
      const payload = parseTaskPayload(req.data);
      const file = process.env.D2V_PROBE_FILE;
      if (!payload || !file) return;
      appendFileSync(file, `${payload.requestId}\n`);
      runtimeLogger().info({ nonce: payload.requestId }, logs.probeReached);
    },
  );
}

export const probeEnqueue = PROBE_ENABLED ? makeProbeEnqueue() : undefined;
export const probeTask = PROBE_ENABLED ? makeProbeTask() : undefined;
