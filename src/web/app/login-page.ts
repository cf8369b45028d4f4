import { html } from '../pay/html';
import { csrfField, noticeBlock, page } from './layout';
import { LOGIN_PATH, NEXT_FIELD } from './links';

/**
 * The sign-in form: an API key, as the api takes it; an error says why the last try failed. `next`
 * (already checked by safeNextPath) is the page the person asked for before signing in: it rides
 * along in a hidden field, so the sign-in sends them there.
 */
export function renderLoginPage(args: { csrfToken: string; error: string | null; next: string | null }): string {
  return page(
    'Sign in',
    html`<h1>Sign in</h1>
<div class="card">
${noticeBlock(args.error ? { kind: 'error', text: args.error } : null)}
<form method="post" action="${LOGIN_PATH}">
${csrfField(args.csrfToken)}
${args.next ? html`<input type="hidden" name="${NEXT_FIELD}" value="${args.next}">` : null}
<label for="api-key">API key</label>
<input id="api-key" name="apiKey" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="muted">Your role and name come from the key, as in the api. The key itself is not kept in your browser.</p>
</div>`,
    null,
  );
}
