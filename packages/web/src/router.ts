import { useEffect, useState } from 'react';

/** The console's screens, addressed in the URL hash so that the stack serves one file for all of them. */
export type Route =
  | { name: 'feed'; size?: number }
  | { name: 'post'; postId: string }
  | { name: 'profile'; uid: string; size?: number }
  | { name: 'drafts' }
  | { name: 'draft'; draftId: string }
  | { name: 'video'; requestId: string }
  | { name: 'videos' }
  | { name: 'script'; scriptId: string; draftId?: string }
  | { name: 'ops' };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray "%": the screen's own lookup answers "not found"
  }
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeSegment);
  const params = new URLSearchParams(search);
  // `?size=` sets a list's page size (default: the screen's own); anything but 1–50 is ignored.
  const sizeText = params.get('size');
  const size = sizeText && /^\d{1,2}$/.test(sizeText) && Number(sizeText) >= 1 && Number(sizeText) <= 50 ? Number(sizeText) : undefined;
  if (parts[0] === 'feed') return { name: 'feed', ...(size ? { size } : {}) };
  if (parts[0] === 'posts' && parts[1]) return { name: 'post', postId: parts[1] };
  if (parts[0] === 'users' && parts[1]) return { name: 'profile', uid: parts[1], ...(size ? { size } : {}) };
  if (parts[0] === 'drafts' && parts[1]) return { name: 'draft', draftId: parts[1] };
  if (parts[0] === 'videos' && parts[1]) return { name: 'video', requestId: parts[1] };
  if (parts[0] === 'videos') return { name: 'videos' };
  if (parts[0] === 'scripts' && parts[1]) return { name: 'script', scriptId: parts[1], draftId: params.get('draft') ?? undefined };
  if (parts[0] === 'ops') return { name: 'ops' };
  return { name: 'drafts' };
}

export function href(route: Route): string {
  const e = encodeURIComponent;
  const size = 'size' in route && route.size ? `?size=${route.size}` : '';
  switch (route.name) {
    case 'feed':
      return `#/feed${size}`;
    case 'post':
      return `#/posts/${e(route.postId)}`;
    case 'profile':
      return `#/users/${e(route.uid)}${size}`;
    case 'drafts':
      return '#/drafts';
    case 'draft':
      return `#/drafts/${e(route.draftId)}`;
    case 'video':
      return `#/videos/${e(route.requestId)}`;
    case 'videos':
      return '#/videos';
    case 'script':
      return `#/scripts/${e(route.scriptId)}${route.draftId ? `?draft=${e(route.draftId)}` : ''}`;
    case 'ops':
      return '#/ops';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
