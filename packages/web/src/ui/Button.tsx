import { LoaderCircle, type LucideIcon } from 'lucide-react';
import type { ButtonHTMLAttributes, ReactNode } from 'react';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  icon?: LucideIcon;
  /** Shows a spinner, announces "busy" and ignores presses until done. */
  loading?: boolean;
  loadingText?: string;
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost';
  children: ReactNode;
}

/**
 * Every button of the console: an icon, a pressed look (CSS :active), disabled and loading states. A loading
 * button stays focusable (aria-disabled rather than disabled) so keyboard focus is not lost while it works.
 */
export function Button({ icon: Icon, loading = false, loadingText, variant = 'secondary', children, disabled, onClick, className, ...rest }: ButtonProps) {
  return (
    <button
      type="button"
      {...rest}
      className={`btn btn-${variant}${loading ? ' is-loading' : ''}${className ? ` ${className}` : ''}`}
      disabled={disabled}
      aria-disabled={loading || undefined}
      aria-busy={loading || undefined}
      onClick={loading ? undefined : onClick}
    >
      {loading ? <LoaderCircle className="icon spin" aria-hidden="true" /> : Icon ? <Icon className="icon" aria-hidden="true" /> : null}
      <span>{loading && loadingText ? loadingText : children}</span>
    </button>
  );
}
