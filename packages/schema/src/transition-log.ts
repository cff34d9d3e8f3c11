import type { Transition } from './models';

/**
 * One document of a request's transition log (`transitions/{n}`): the first transition of a commit, and the ones
 * the same commit applied right after it (pending → validating → queued, processing → ready → posted). One
 * document per commit rather than per transition: a log write is a Firestore write, and a chained commit is one
 * atomic change anyway. The document's id is its first transition's `n`; a document without `chained` is one
 * transition (which is also what every log written before the chaining looked like).
 */
export interface TransitionLogDoc extends Transition {
  chained?: Transition[];
}

/** The log document of one commit's transitions, in order (at least one). */
export function transitionLogDoc(entries: readonly Transition[]): TransitionLogDoc {
  const [first, ...rest] = entries;
  if (!first) throw new Error('a transition log document needs at least one transition');
  return rest.length ? { ...first, chained: [...rest] } : { ...first };
}

/** The transitions of a request's log documents, one per transition, in order of `n`. */
export function transitionsOfLog(docs: readonly TransitionLogDoc[]): Transition[] {
  const all: Transition[] = [];
  for (const { chained, ...first } of docs) all.push(first, ...(chained ?? []));
  return all.sort((a, b) => a.n - b.n);
}
