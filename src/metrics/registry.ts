// A minimal Prometheus registry: counters, gauges and histograms with labels, rendered in the
// text exposition format 0.0.4. Enough for this service without a client library.

type Labels = Record<string, string>;

interface Metric {
  render(): string;
}

// Label values are escaped as the format requires: backslash, double quote and newline.
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class Registry {
  readonly #metrics: Metric[] = [];
  readonly #names = new Set<string>();

  #register<M extends Metric>(name: string, metric: M): M {
    if (!METRIC_NAME.test(name)) throw new Error(`Metric name ${JSON.stringify(name)} is not a valid Prometheus name.`);
    if (this.#names.has(name)) throw new Error(`Metric ${name} is registered twice.`);
    this.#names.add(name);
    this.#metrics.push(metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#register(name, new Counter(name, help, labelNames));
  }

  /** A gauge whose samples are read when the metrics are scraped. */
  gauge(name: string, help: string, collect: () => Array<[Labels, number]> | number): void {
    this.#register(name, {
      render: () => {
        const samples = collect();
        const rows = typeof samples === 'number' ? [[{}, samples] as [Labels, number]] : samples;
        return header(name, help, 'gauge') + rows.map(([labels, value]) => `${name}${formatLabels(labels)} ${formatNumber(value)}\n`).join('');
      },
    });
  }

  /** A counter kept elsewhere (a total the process already tracks), read when scraped. */
  counterFrom(name: string, help: string, collect: () => number): void {
    this.#register(name, { render: () => `${header(name, help, 'counter')}${name} ${formatNumber(collect())}\n` });
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.#register(name, new Histogram(name, help, labelNames, buckets));
  }

  /** A summary whose quantiles, sum and count are read when scraped. */
  summaryFrom(name: string, help: string, collect: () => { quantiles: Array<[number, number]>; sum: number; count: number }): void {
    this.#register(name, {
      render: () => {
        const { quantiles, sum, count } = collect();
        const rows = quantiles.map(([quantile, value]) => `${name}{quantile="${quantile}"} ${formatNumber(value)}\n`).join('');
        return `${header(name, help, 'summary')}${rows}${name}_sum ${formatNumber(sum)}\n${name}_count ${formatNumber(count)}\n`;
      },
    });
  }

  render(): string {
    return this.#metrics.map((metric) => metric.render()).join('');
  }
}

function keyOf(labelNames: readonly string[], values: readonly string[]): string {
  if (values.length !== labelNames.length) throw new Error(`Expected ${labelNames.length} label values (${labelNames.join(', ')}), got ${values.length}.`);
  return values.join('\u0000');
}

export class Counter implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #labelNames: readonly string[];
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.#name = name;
    this.#help = help;
    this.#labelNames = labelNames;
  }

  inc(labelValues: readonly string[] = [], amount = 1): void {
    const key = keyOf(this.#labelNames, labelValues);
    const entry = this.#values.get(key);
    if (entry !== undefined) entry.value += amount;
    else this.#values.set(key, { labels: Object.fromEntries(this.#labelNames.map((name, index) => [name, labelValues[index]!])), value: amount });
  }

  render(): string {
    let text = header(this.#name, this.#help, 'counter');
    // A counter without labels is 0 before its first increment, not absent.
    if (this.#values.size === 0 && this.#labelNames.length === 0) text += `${this.#name} 0\n`;
    for (const { labels, value } of this.#values.values()) text += `${this.#name}${formatLabels(labels)} ${formatNumber(value)}\n`;
    return text;
  }
}

export class Histogram implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #labelNames: readonly string[];
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    if (buckets.some((bound, index) => index > 0 && bound <= buckets[index - 1]!)) throw new Error(`Histogram ${name} buckets must increase.`);
    this.#name = name;
    this.#help = help;
    this.#labelNames = labelNames;
    this.#buckets = buckets;
  }

  observe(labelValues: readonly string[], value: number): void {
    const key = keyOf(this.#labelNames, labelValues);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels: Object.fromEntries(this.#labelNames.map((name, index) => [name, labelValues[index]!])), counts: this.#buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    // Counts are stored per bucket and made cumulative when rendered, so observing touches one slot.
    const index = this.#buckets.findIndex((bound) => value <= bound);
    if (index !== -1) series.counts[index]! += 1;
    series.sum += value;
    series.count += 1;
  }

  render(): string {
    let text = header(this.#name, this.#help, 'histogram');
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.#buckets.forEach((bound, index) => {
        cumulative += counts[index]!;
        text += `${this.#name}_bucket${formatLabels({ ...labels, le: formatNumber(bound) })} ${cumulative}\n`;
      });
      text += `${this.#name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${count}\n`;
      text += `${this.#name}_sum${formatLabels(labels)} ${formatNumber(sum)}\n`;
      text += `${this.#name}_count${formatLabels(labels)} ${count}\n`;
    }
    return text;
  }
}
