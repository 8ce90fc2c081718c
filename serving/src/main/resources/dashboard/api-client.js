// Civic Pulse pages' access to the query API, shared by the dashboard and the monthly report: the read token
// (asked once per tab in the page's token dialog, kept in sessionStorage), Retry-After on 503 while the engine
// starts or rebalances, and the API's JSON error bodies as ApiError.

export const TOKEN_KEY = 'civicpulse.readToken';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let tokenPrompt = null;
let tokenDeclined = false;

function askForToken(reason) {
  if (tokenPrompt) return tokenPrompt; // parallel requests share one dialog
  if (tokenDeclined) return Promise.reject(new ApiError(401, 'unauthorized', 'A read token is needed to see the data.'));
  const dialog = document.querySelector('[data-role="token-dialog"]');
  const input = document.querySelector('#token-input');
  document.querySelector('[data-role="token-reason"]').textContent = reason
    || 'This server asks for a read token. It is kept for this browser tab only.';
  input.value = '';
  tokenPrompt = new Promise((resolve, reject) => {
    const done = () => {
      dialog.removeEventListener('close', done);
      tokenPrompt = null;
      const token = input.value.trim();
      input.value = '';
      if (dialog.returnValue === 'ok' && token) {
        sessionStorage.setItem(TOKEN_KEY, token);
        resolve(token);
      } else {
        tokenDeclined = true;
        reject(new ApiError(401, 'unauthorized', 'A read token is needed to see the data.'));
      }
    };
    dialog.returnValue = '';
    dialog.addEventListener('close', done);
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
    input.focus();
  });
  return tokenPrompt;
}

function retryAfterMs(res) {
  const header = res.headers.get('Retry-After');
  let seconds = Number(header);
  if (!Number.isFinite(seconds)) {
    const at = Date.parse(header);
    seconds = Number.isFinite(at) ? (at - Date.now()) / 1000 : 5;
  }
  return Math.min(Math.max(seconds, 1), 120) * 1000;
}

/**
 * An `api(path, params)` that answers the JSON of a 200 and throws ApiError otherwise. `unavailable(text)` is told
 * while 503s are retried (at most `retries` times), `available()` once an answer comes.
 */
export function createApi({ unavailable, available, retries }) {
  let requests = 0;
  async function api(path, params = {}) {
    const url = new URL(path, document.baseURI);
    for (const [k, v] of Object.entries(params)) if (v != null) url.searchParams.set(k, v);
    for (let attempt = 0; ; attempt += 1) {
      const token = sessionStorage.getItem(TOKEN_KEY);
      const headers = { Accept: 'application/json' };
      if (token) headers.Authorization = `Bearer ${token}`;
      let res;
      requests += 1;
      try {
        res = await fetch(url, { headers, cache: 'no-store' });
      } catch (err) {
        throw new ApiError(0, 'network', 'The Civic Pulse server could not be reached.');
      }
      if (res.status === 401) {
        if (token && sessionStorage.getItem(TOKEN_KEY) === token) sessionStorage.removeItem(TOKEN_KEY);
        // Another request may have been given a token meanwhile: try that one before asking.
        if (!sessionStorage.getItem(TOKEN_KEY)) {
          await askForToken(token ? 'That token was not accepted. Please enter the read token again.' : null);
        }
        continue;
      }
      if (res.status === 503 && attempt < retries) {
        const wait = retryAfterMs(res);
        unavailable(`The engine is rebalancing or starting; retrying in ${Math.round(wait / 1000)} s.`);
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      available();
      if (!res.ok) {
        let message = `${res.status} ${res.statusText}`;
        let code = 'http';
        try {
          const body = await res.json();
          if (body && body.message) message = body.message;
          if (body && body.error) code = body.error;
        } catch (ignored) { /* not JSON */ }
        throw new ApiError(res.status, code, message);
      }
      return res.json();
    }
  }
  return { api, requestCount: () => requests };
}
