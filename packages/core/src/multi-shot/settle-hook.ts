import type { VideoState } from '@d2v/schema';
import { logs } from '../logs';
import type { Ports } from '../ports';
import { ensureNextStep } from '../steps/next-step';
import type { AppliedTransition } from '../transition';
import { checkShots } from './await-shots';

/** The states in which a shot is settled: its parent may now join the shots (or fail). */
const SHOT_SETTLED: readonly VideoState[] = ['ready', 'failed', 'cancelled', 'deleted'];

/**
 * Transition hook (registered by the pipeline's wiring, `pipeline.ts`): a "Create Script" shot that settled
 * re-checks its parent. The generic transition calls it after every applied transition and knows nothing of
 * scripts; this module knows which transitions matter. Never throws: the transition is committed by then, and
 * the sweeper re-checks a parent that stays in dreaming (ensureNextStep), so a failure here is not lost.
 */
export async function settleParentOfShot(ports: Ports, applied: AppliedTransition): Promise<void> {
  const parentRequestId = applied.doc.parentRequestId;
  if (!parentRequestId || !SHOT_SETTLED.includes(applied.to)) return;
  try {
    const moved = await checkShots(ports, { uid: applied.doc.uid, requestId: parentRequestId });
    if (moved) await ensureNextStep(ports, moved);
  } catch (e) {
    ports.log.child({ uid: applied.ref.uid, requestId: applied.ref.requestId }).warn({ err: String(e), parentRequestId }, logs.shotCheckFailed);
  }
}
