import { element } from './dom.js';

export interface SignInViewOptions {
  /** Checks the key with the host; resolves to an error sentence when refused, undefined when accepted. */
  readonly signIn: (key: string) => Promise<string | undefined>;
  /** Shown above the form (e.g. "Signed out."). */
  readonly notice?: string;
}

/**
 * The sign-in form. The key is checked against the host (`/auth/whoami`) before anything is kept;
 * a refused key is not stored anywhere and the reason is shown next to the field.
 */
export function signInView(options: SignInViewOptions): HTMLElement {
  const input = element('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'acai_…',
    'aria-describedby': 'api-key-help api-key-error',
  });
  const error = element('p', { id: 'api-key-error', class: 'form-error', role: 'alert', hidden: true });
  const submit = element('button', { type: 'submit', class: 'button' }, 'Sign in');
  const form = element(
    'form',
    { class: 'sign-in-card', 'aria-labelledby': 'sign-in-title' },
    element('h1', { id: 'sign-in-title' }, 'Acai console'),
    options.notice ? element('p', { class: 'notice', role: 'status' }, options.notice) : null,
    element('label', { for: 'api-key' }, 'API key'),
    input,
    element('p', { id: 'api-key-help', class: 'muted' }, 'The key stays in this browser tab (session storage) and is sent only to this host. Closing the tab or signing out forgets it.'),
    error,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key === '') {
      showError('Enter an API key.');
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Checking…';
    error.hidden = true;
    const refusal = await options.signIn(key);
    if (refusal !== undefined) {
      showError(refusal);
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });
  function showError(text: string): void {
    error.textContent = text;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    input.select();
  }
  const page = element('main', { id: 'main', class: 'sign-in' }, form);
  queueMicrotask(() => input.focus());
  return page;
}
