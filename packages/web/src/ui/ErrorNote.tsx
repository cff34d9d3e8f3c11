import { CircleX } from 'lucide-react';
import type { ReactNode } from 'react';

/** An error as a person should see it: the sentence first, the code small (for support and ops). */
export function ErrorNote({ error, children }: { error: { code: string; message: string }; children?: ReactNode }) {
  return (
    <div className="error-note" role="alert">
      <CircleX className="icon" aria-hidden="true" />
      <div>
        <p className="error-message">{error.message}</p>
        <p className="error-code">
          <code>{error.code}</code>
        </p>
        {children}
      </div>
    </div>
  );
}
