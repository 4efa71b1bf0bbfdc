// Sends a request as the pack describes one (lib/request.ts's ResolvedRequest), with a
// scenario's params (timeout, tags, expected statuses): the request's headers go over the params'.
import http, { type Params } from 'k6/http';
import type { ResolvedRequest } from '../request.ts';

export function send(req: ResolvedRequest, params: Params) {
  return http.request(req.method, req.url, req.body, { ...params, headers: { ...(params.headers ?? {}), ...req.headers } });
}
