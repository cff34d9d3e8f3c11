/**
 * The yardstick of `d2v bench pipeline`: how long N generations take at Luma if creates go out as soon as both
 * of Luma's limits allow — C generations in flight at once and R accepted creates in any rolling 60 s — and each
 * takes G seconds. Nothing the pipeline does can beat this schedule (it is what a perfect admission control
 * would send), so makespan ÷ ideal ≥ 1 and the excess is what our side costs: 429 round trips, retry backoff,
 * the submit queue's pacing, and the download, processing and posting after Luma.
 *
 * Pure math, no I/O: the unit test derives the figures by hand.
 */

export interface LumaLimits {
  /** Generations in flight at once (Luma's concurrency limit). */
  slots: number;
  /** Accepted creates in any rolling window of `windowSeconds` (Luma's per-minute limit). */
  perMinute: number;
  /** Seconds from an accepted create until the generation ends (the slot is free again). */
  generationSeconds: number;
  /** The rate limit's window (Luma: 60 s). */
  windowSeconds?: number;
}

export interface IdealSchedule {
  /** Seconds after the start at which create i is accepted. */
  createAt: number[];
  /** Seconds after the start at which generation i ends. */
  doneAt: number[];
  /** When the last generation ends: the ideal makespan. */
  seconds: number;
}

/**
 * The greedy schedule: create i goes out at t_i = max(the earliest time a slot is free, the time the window
 * admits it). The window admits create i once the create R places before it has left the window
 * (t_{i−R} + 60 s, as the simulator prunes: a create at t no longer counts at t + 60). Greedy is optimal here:
 * all requests are there at 0 and every generation takes the same time, so sending any create later can only
 * push every later one back.
 */
export function idealSchedule(requests: number, limits: LumaLimits): IdealSchedule {
  return greedySchedule(requests, limits, () => limits.generationSeconds);
}

/**
 * The same greedy schedule with the generation times a run really saw (`seconds[i]` for the i-th create; the set
 * time where the run has none): on a small machine the simulator's renders share the cores with the pipeline and a
 * burst of creates takes longer than the set time, which no admission control can win back.
 */
export function idealScheduleAt(requests: number, limits: LumaLimits, seconds: readonly number[]): IdealSchedule {
  if (!seconds.every((s) => s >= 0)) throw new Error('idealScheduleAt: generation times must be >= 0');
  return greedySchedule(requests, limits, (i) => seconds[i] ?? limits.generationSeconds);
}

function greedySchedule(requests: number, limits: LumaLimits, generationSecondsOf: (i: number) => number): IdealSchedule {
  const { slots, perMinute, generationSeconds } = limits;
  const window = limits.windowSeconds ?? 60;
  for (const [name, v] of Object.entries({ requests, slots, perMinute })) {
    if (!(Number.isInteger(v) && v >= (name === 'requests' ? 0 : 1))) throw new Error(`idealSchedule: ${name} must be a positive integer (got ${v})`);
  }
  if (!(generationSeconds >= 0) || !(window > 0)) throw new Error('idealSchedule: generationSeconds must be >= 0 and the window > 0');
  // When each slot is next free; a slot is taken by the create that finds it free first.
  const slotFree = new Array<number>(slots).fill(0);
  const createAt: number[] = [];
  const doneAt: number[] = [];
  for (let i = 0; i < requests; i++) {
    let slot = 0;
    for (let s = 1; s < slots; s++) if (slotFree[s]! < slotFree[slot]!) slot = s;
    const windowAdmits = i >= perMinute ? createAt[i - perMinute]! + window : 0;
    const t = Math.max(slotFree[slot]!, windowAdmits);
    createAt.push(t);
    doneAt.push(t + generationSecondsOf(i));
    slotFree[slot] = t + generationSecondsOf(i);
  }
  return { createAt, doneAt, seconds: doneAt.length ? Math.max(...doneAt) : 0 };
}

/**
 * When the last video would be done if every generation ended as `doneAt` says and each then needed only `seconds`
 * of processing in one of `processSlots` slots (first come, first served): the ideal makespan on a machine whose
 * processing capacity is what it is. On Firebase each video gets an instance, so the slots are many and this is the
 * last generation's end plus one video's processing; on a two-core laptop the last wave of ten queues for two.
 */
export function processedBy(doneAt: readonly number[], processSlots: number, seconds: number): number {
  if (!(Number.isInteger(processSlots) && processSlots >= 1)) throw new Error(`processedBy: processSlots must be a positive integer (got ${processSlots})`);
  if (!(seconds >= 0)) throw new Error('processedBy: seconds must be >= 0');
  const free = new Array<number>(processSlots).fill(0);
  let last = 0;
  for (const done of [...doneAt].sort((a, b) => a - b)) {
    let slot = 0;
    for (let s = 1; s < processSlots; s++) if (free[s]! < free[slot]!) slot = s;
    const finish = Math.max(done, free[slot]!) + seconds;
    free[slot] = finish;
    last = Math.max(last, finish);
  }
  return last;
}
