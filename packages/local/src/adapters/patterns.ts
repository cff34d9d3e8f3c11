/**
 * Trigger path patterns in Firestore's wildcard syntax: `users/{uid}/videoRequests/{requestId}`.
 * `{name}` matches exactly one path segment; `{name=**}` (last segment only) matches one or more, which is what
 * a Storage-style trigger on "anything under this folder" needs.
 */

type PatternSegment =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string }
  | { kind: 'rest'; name: string };

export interface PathPattern {
  readonly source: string;
  readonly segments: readonly PatternSegment[];
}

const PARAM_RE = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const REST_RE = /^\{([A-Za-z_][A-Za-z0-9_]*)=\*\*\}$/;

export function compilePathPattern(source: string): PathPattern {
  if (source.length === 0 || source.startsWith('/') || source.endsWith('/')) {
    throw new Error(`invalid trigger pattern "${source}": must be a relative path without leading/trailing "/"`);
  }
  const names = new Set<string>();
  const raw = source.split('/');
  const segments = raw.map((text, index): PatternSegment => {
    if (text.length === 0) throw new Error(`invalid trigger pattern "${source}": empty segment`);
    const rest = REST_RE.exec(text);
    const param = PARAM_RE.exec(text);
    const name = rest?.[1] ?? param?.[1];
    if (name !== undefined) {
      if (names.has(name)) throw new Error(`invalid trigger pattern "${source}": wildcard {${name}} used twice`);
      names.add(name);
    }
    if (rest) {
      if (index !== raw.length - 1) throw new Error(`invalid trigger pattern "${source}": {${name}=**} must be last`);
      return { kind: 'rest', name: rest[1]! };
    }
    if (param) return { kind: 'param', name: param[1]! };
    if (text.includes('{') || text.includes('}')) {
      throw new Error(`invalid trigger pattern "${source}": wildcards must fill a whole segment`);
    }
    return { kind: 'literal', text };
  });
  return { source, segments };
}

/** The wildcard values when `path` matches, else null. */
export function matchPathPattern(pattern: PathPattern, path: string): Record<string, string> | null {
  const parts = path.split('/');
  const params: Record<string, string> = {};
  const { segments } = pattern;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'rest') {
      if (parts.length <= i) return null;
      params[segment.name] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if (segment.kind === 'literal') {
      if (segment.text !== part) return null;
    } else {
      params[segment.name] = part;
    }
  }
  return parts.length === segments.length ? params : null;
}
