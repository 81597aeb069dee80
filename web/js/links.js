// Links between views: the Messages view for a server-given `filter` query, and a message's trace.
/* global URLSearchParams */
import { addPeriod } from './period.js';

/** messages.html with the row's filter (re-encoded through URLSearchParams) and the period. */
export function messagesHref(filter, period) {
  const params = new URLSearchParams(typeof filter === 'string' ? filter : '');
  if (period) addPeriod(params, period);
  const qs = params.toString();
  return qs ? `messages.html?${qs}` : 'messages.html';
}

export function traceHref(host, queueId) {
  return `trace.html?${new URLSearchParams({ host: String(host ?? ''), queue_id: String(queueId ?? '') })}`;
}
