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
    res.status(405).json({ error: 'method not allowed' });
    return;
  }
  const route = parseWebhookRoute(req.path, WEBHOOK_FUNCTION_NAME);
  if (!route) {
    log.warn({ path: req.path }, logs.webhookBadRoute);
    res.status(404).json({ error: 'not found' });
    return;
  }
  try {
    const { getHandlers } = await import('../pipeline');
    const result = await getHandlers().onLumaWebhook({ ...route, token: tokenFromQuery(req.query), body: req.body });
    log.info({ ...route, status: result.status }, logs.webhookAnswered);
    res.status(result.status).json(result.body);
  } catch (err) {
    log.error({ ...route, err }, logs.webhookFailed);
    res.status(500).json({ error: 'internal error' });
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
