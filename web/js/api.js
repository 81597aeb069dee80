// JSON API client: relative URLs (works behind a path prefix), 401 goes to the login page,
// errors carry the server's { error, parameter }.
/* global fetch, location */

export class ApiError extends Error {
  constructor(status, message, parameter) {
    super(parameter ? `${message} (parameter: ${parameter})` : message);
    this.status = status;
    this.parameter = parameter;
  }
}

export async function getJson(path, params) {
  const qs = params ? String(params) : '';
  const res = await fetch(qs ? `${path}?${qs}` : path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401) {
    location.assign('login.html');
    throw new ApiError(401, 'Not logged in');
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = body && typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, msg, body && typeof body.parameter === 'string' ? body.parameter : undefined);
  }
  return body;
}
