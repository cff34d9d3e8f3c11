/**
 * Luma's callback: POST {webhookBase}/{uid}/{requestId}?token=… . Authenticated by the per-request HMAC token
 * (checked in constant time by the core); the body only names a generation, which the core re-reads from
 * Luma — so forged, replayed, duplicated or out-of-order callbacks change nothing.
 *
 * Sizing: answers in one Luma GET plus one transaction. Fast start matters more than anything (Luma gives up
 * after a few quick retries): 256 MiB, minInstances 0, and the core is imported only when a request arrives;
 * concurrency 80 on one vCPU because the work is waiting on the network.
 */
import { onRequest } from 'firebase-functions/v2/https';
import { PIPELINE_SECRETS, REGION, WEBHOOK_FUNCTION_NAME } from '../config';
import { parseWebhookRoute, tokenFromQuery } from '../http';
import { runtimeLogger } from '../log';
import { logs } from '../logs';

/** The express-style handler (exported for tests, which serve it over real HTTP). */
export async function handleLumaWebhook(
  req: { method: string; path: string; query: unknown; body: unknown },
  res: { status(code: number): { json(body: unknown): unknown }; set?(field: string, value: string): unknown },
): Promise<void> {
  const log = runtimeLogger();
  if (req.method !== 'POST') {
    log.warn({ method: req.method }, logs.webhookBadMethod);
    res.status(405).json({ error: { code: 'METHOD_NOT_ALLOWED', message: 'Luma calls back with POST.' } });
    return;
  }
  // Ids are checked here, at the edge, before the core or Firestore sees them (400 INVALID_ID, 404 for other routes).
  const parsed = parseWebhookRoute(req.path, WEBHOOK_FUNCTION_NAME);
  if (!parsed.ok) {
    log.warn({ status: parsed.status, code: parsed.error.code }, parsed.status === 404 ? logs.webhookBadRoute : logs.webhookBadId);
    res.status(parsed.status).json({ error: parsed.error });
    return;
  }
  const route = { uid: parsed.uid, requestId: parsed.requestId };
  try {
    const { getHandlers } = await import('../pipeline');
    const result = await getHandlers().onLumaWebhook({ ...route, token: tokenFromQuery(req.query), body: req.body });
    log.info({ ...route, status: result.status }, logs.webhookAnswered);
    res.status(result.status).json(result.body);
  } catch (err) {
    log.error({ ...route, err }, logs.webhookFailed);
    res.status(500).json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side; Luma retries, and the poller backs it up.' } });
  }
}

export const lumaWebhook = onRequest(
  {
    region: REGION,
    memory: '256MiB',
    cpu: 1,
    concurrency: 80,
    minInstances: 0,
    maxInstances: 20,
    timeoutSeconds: 60,
    invoker: 'public',
    secrets: PIPELINE_SECRETS,
  },
  (req, res) => handleLumaWebhook(req, res),
);
