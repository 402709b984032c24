import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Registry } from '../../src/metrics/registry.ts';
import { parsePrometheusText, sampleValue } from './prometheus-format.ts';

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

function sampleRegistry(): Registry {
  const registry = new Registry();
  const requests = registry.counter('demo_requests_total', 'Requests.', ['route', 'status']);
  requests.inc(['/users/:id', '200']);
  requests.inc(['/users/:id', '200']);
  requests.inc(['say "hi"\\\n', '404']);
  registry.counter('demo_errors_total', 'Errors, none yet.');
  registry.gauge('demo_temperature_celsius', 'A gauge.', () => 21.5);
  const durations = registry.histogram('demo_duration_seconds', 'A histogram.', ['route'], [0.1, 1]);
  durations.observe(['/users'], 0.05);
  durations.observe(['/users'], 0.5);
  durations.observe(['/users'], 3);
  registry.summaryFrom('demo_delay_seconds', 'A summary.', () => ({ quantiles: [[0.5, 0.01], [0.99, 0.2]], sum: 1.5, count: 10 }));
  return registry;
}

describe('metrics registry', () => {
  it('renders counters, gauges, histograms and summaries in the text format', () => {
    const families = parsePrometheusText(sampleRegistry().render());
    assert.equal(families.get('demo_requests_total')?.type, 'counter');
    assert.equal(sampleValue(families, 'demo_requests_total', { route: '/users/:id', status: '200' }), 2);
    assert.equal(sampleValue(families, 'demo_errors_total'), 0);
    assert.equal(sampleValue(families, 'demo_temperature_celsius'), 21.5);
    assert.equal(sampleValue(families, 'demo_delay_seconds_count'), 10);
  });

  it('renders cumulative histogram buckets ending in +Inf, with sum and count', () => {
    const families = parsePrometheusText(sampleRegistry().render());
    assert.equal(sampleValue(families, 'demo_duration_seconds_bucket', { route: '/users', le: '0.1' }), 1);
    assert.equal(sampleValue(families, 'demo_duration_seconds_bucket', { route: '/users', le: '1' }), 2);
    assert.equal(sampleValue(families, 'demo_duration_seconds_bucket', { route: '/users', le: '+Inf' }), 3);
    assert.equal(sampleValue(families, 'demo_duration_seconds_count', { route: '/users' }), 3);
    assert.equal(sampleValue(families, 'demo_duration_seconds_sum', { route: '/users' }), 3.55);
  });

  it('escapes backslashes, quotes and newlines in label values', () => {
    const families = parsePrometheusText(sampleRegistry().render());
    assert.equal(sampleValue(families, 'demo_requests_total', { route: 'say "hi"\\\n', status: '404' }), 1);
  });

  it('refuses a metric registered twice, a bad name, and the wrong number of label values', () => {
    const registry = new Registry();
    const counter = registry.counter('ok_total', 'x', ['a']);
    assert.throws(() => registry.counter('ok_total', 'x'), /twice/);
    assert.throws(() => registry.counter('bad-name', 'x'), /not a valid/);
    assert.throws(() => counter.inc([]), /label values/);
  });

  it('passes promtool check metrics', { skip: hasPromtool ? false : 'promtool is not installed (apt-get install prometheus)' }, () => {
    const text = sampleRegistry().render();
    // promtool exits 0 for valid input and prints lint findings (which we also want empty).
    const output = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(output.trim(), '');
  });
});
