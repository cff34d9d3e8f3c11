/**
 * Threshold alerts that fire once per crossing: each alert remembers whether it is active (in the quota
 * monitor's document), so a sweep that finds the same condition again says nothing, and the alert clears only
 * once the value is back past the threshold with some margin (hysteresis, so a value hovering at the line does
 * not page every five minutes). Raising publishes an `alert` event and logs `logs.alertRaised` at WARNING with
 * the runbook anchor; clearing publishes `alert_cleared` and logs `logs.alertCleared`.
 */
import { publishEvent } from '../analytics';
import { logs } from '../logs';
import type { Ports } from '../ports';

export const ALERT_NAMES = ['low_credits', 'credits_running_out', 'submissions_paused', 'luma_slots_full', 'luma_rate_limited'] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export interface AlertState {
  active: boolean;
  /** When it was raised (ISO). */
  since?: string;
  value?: number;
  threshold: number;
}

export interface AlertCheck {
  name: AlertName;
  /** The measured value; undefined when it could not be measured this time (state unchanged). */
  value: number | undefined;
  threshold: number;
  /** `below`: alert when value < threshold (credits); `above`: when value ≥ threshold (usage, 429s). */
  direction: 'below' | 'above';
  /** How far past the threshold the value must come back before the alert clears (share of the threshold). */
  margin: number;
}

export type AlertChange = { name: AlertName; change: 'raised' | 'cleared'; value: number; threshold: number };

function crossed(check: AlertCheck, value: number): boolean {
  return check.direction === 'below' ? value < check.threshold : value >= check.threshold;
}

function recovered(check: AlertCheck, value: number): boolean {
  return check.direction === 'below' ? value >= check.threshold * (1 + check.margin) : value < check.threshold * (1 - check.margin);
}

/** The next state of every alert and what changed (pure). */
export function evaluateAlerts(
  previous: Readonly<Partial<Record<AlertName, AlertState>>>,
  checks: readonly AlertCheck[],
  nowIso: string,
): { states: Record<string, AlertState>; changes: AlertChange[] } {
  const states: Record<string, AlertState> = {};
  const changes: AlertChange[] = [];
  for (const check of checks) {
    const before = previous[check.name] ?? { active: false, threshold: check.threshold };
    const value = check.value;
    if (value === undefined) {
      states[check.name] = { ...before, threshold: check.threshold };
      continue;
    }
    if (!before.active && crossed(check, value)) {
      states[check.name] = { active: true, since: nowIso, value, threshold: check.threshold };
      changes.push({ name: check.name, change: 'raised', value, threshold: check.threshold });
    } else if (before.active && recovered(check, value)) {
      states[check.name] = { active: false, value, threshold: check.threshold };
      changes.push({ name: check.name, change: 'cleared', value, threshold: check.threshold });
    } else {
      states[check.name] = { ...before, value, threshold: check.threshold };
    }
  }
  return { states, changes };
}

/** Where the runbook explains an alert (docs/OPERATIONS.md). */
export function runbookFor(name: AlertName): string {
  return `docs/OPERATIONS.md#${name.replace(/_/g, '-')}`;
}

export async function announceAlertChanges(ports: Pick<Ports, 'log' | 'events' | 'clock'>, changes: readonly AlertChange[]): Promise<void> {
  for (const change of changes) {
    const fields = { alert: change.name, value: change.value, threshold: change.threshold, runbook: runbookFor(change.name) };
    if (change.change === 'raised') ports.log.warn(fields, logs.alertRaised);
    else ports.log.info(fields, logs.alertCleared);
    await publishEvent(ports, {
      type: change.change === 'raised' ? 'alert' : 'alert_cleared',
      alert: change.name,
      value: change.value,
      threshold: change.threshold,
    });
  }
}
