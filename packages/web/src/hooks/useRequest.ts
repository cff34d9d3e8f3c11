import { useEffect, useState } from 'react';
import type { D2vError, RequestDoc } from '@d2v/client';
import type { Transition } from '@d2v/schema';
import { useSession } from '../session';

/** A request followed live (SDK watchRequest: SSE locally, onSnapshot on Firebase) with its transition log. */
export function useRequest(requestId: string): { doc?: RequestDoc; transitions: Transition[]; error?: D2vError } {
  const { client } = useSession();
  const [doc, setDoc] = useState<RequestDoc>();
  const [transitions, setTransitions] = useState<Transition[]>([]);
  const [error, setError] = useState<D2vError>();
  useEffect(() => {
    setDoc(undefined);
    setTransitions([]);
    setError(undefined);
    return client.watchRequest(requestId, { onRequest: setDoc, onTransitions: setTransitions, onError: setError });
  }, [client, requestId]);
  return { doc, transitions, error };
}
