import { useEffect, useState } from 'react';
import type { MediaFile, MediaSource } from '@d2v/client';
import { useSession } from '../session';

/** An owner's video or poster as a URL a media element can load; freed when the component goes. */
export function useMedia(requestId: string | undefined, file: MediaFile, enabled: boolean): { url?: string; error?: string } {
  const { client } = useSession();
  const [state, setState] = useState<{ url?: string; error?: string }>({});
  useEffect(() => {
    if (!enabled || !requestId) return;
    let source: MediaSource | undefined;
    let gone = false;
    client.openMedia(requestId, file).then(
      (s) => {
        if (gone) return s.revoke();
        source = s;
        setState({ url: s.url });
      },
      (e: { message?: string }) => !gone && setState({ error: e.message ?? 'The file could not be loaded.' }),
    );
    return () => {
      gone = true;
      source?.revoke();
    };
  }, [client, requestId, file, enabled]);
  return state;
}
