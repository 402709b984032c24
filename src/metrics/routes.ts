// GET /metrics for Prometheus. Behind API_TOKEN like every route but /health: a scraper is given
// the token (Prometheus' `authorization` setting in its scrape config).
import type { Router } from '../http/router.ts';
import type { Handler } from '../http/types.ts';
import type { ServiceMetrics } from './service-metrics.ts';

export const PROMETHEUS_TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function addMetricsRoutes(router: Router<Handler>, metrics: ServiceMetrics): void {
  router.add('GET', '/metrics', () => ({ status: 200, headers: { 'content-type': PROMETHEUS_TEXT_TYPE, 'cache-control': 'no-store' }, body: metrics.render() }));
}
