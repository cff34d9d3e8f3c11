import { useCallback, useEffect, useState } from 'react';
import type { MediaFile } from '@d2v/client';
import { useSession } from '../session';

/** Whose media: the owner's request (its own routes) or a post (its audience). */
export type MediaRef = { requestId: string; postId?: undefined } | { postId: string; requestId?: undefined };

/**
 * A video or poster as a signed playback link (`…/link`): a URL a `<video>`/`<img>` loads by itself, with HTTP
 * ranges, for an hour. `refresh()` asks for a new one (a link that expired while the page stayed open).
 */
export function useMedia(ref: MediaRef | undefined, file: MediaFile, enabled = true): { url?: string; expiresAt?: string; error?: string; refresh(): void } {
  const { client } = useSession();
  const [state, setState] = useState<{ url?: string; expiresAt?: string; error?: string }>({});
  const [tick, setTick] = useState(0);
  const requestId = ref?.requestId;
  const postId = ref?.postId;
  useEffect(() => {
    if (!enabled || (!requestId && !postId)) return;
    let gone = false;
    const opened = postId ? client.openPostMedia(postId, file) : client.openMedia(requestId!, file);
    opened.then(
      (s) => !gone && setState({ url: s.url, expiresAt: s.expiresAt }),
      (e: { message?: string }) => !gone && setState({ error: e.message ?? 'The file could not be loaded.' }),
    );
    return () => {
      gone = true;
    };
  }, [client, requestId, postId, file, enabled, tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, refresh };
}
