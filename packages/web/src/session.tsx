import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { createLocalClient, type D2vClient } from '@d2v/client';
import users from '../../../emulator-data/users.json';

/** The demo users of emulator-data/users.json: the local stand-in for signing in. */
export interface DemoUser {
  uid: string;
  displayName: string;
  token: string;
}
export const DEMO_USERS: DemoUser[] = users.users.map(({ uid, displayName, token }) => ({ uid, displayName, token }));

const STORAGE_KEY = 'd2v.uid';

/** A person's name as the console shows it (the uid when they are not a demo user). */
export function displayNameOf(uid: string): string {
  return DEMO_USERS.find((u) => u.uid === uid)?.displayName ?? uid;
}

interface Session {
  user: DemoUser;
  client: D2vClient;
  switchUser(uid: string): void;
}

const SessionContext = createContext<Session | null>(null);

function initialUser(): DemoUser {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  return DEMO_USERS.find((u) => u.uid === saved) ?? DEMO_USERS[0]!;
}

/**
 * Who is signed in and the client for them. The console runs on the local transport against the stack that
 * serves it (same origin); a Firebase build would construct `createFirebaseClient` here instead.
 */
export function SessionProvider({ children, makeClient }: { children: ReactNode; makeClient?: (user: DemoUser) => D2vClient }) {
  const [user, setUser] = useState<DemoUser>(initialUser);
  const client = useMemo(() => (makeClient ? makeClient(user) : createLocalClient({ baseUrl: '', token: user.token, uid: user.uid })), [user, makeClient]);
  const session = useMemo<Session>(
    () => ({
      user,
      client,
      switchUser(uid) {
        const next = DEMO_USERS.find((u) => u.uid === uid);
        if (!next) return;
        localStorage.setItem(STORAGE_KEY, uid);
        setUser(next);
      },
    }),
    [user, client],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
