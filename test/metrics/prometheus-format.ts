// A strict reader for the Prometheus text exposition format 0.0.4, so every test run checks the
// format even where promtool is not installed.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE = new RegExp(`^(${NAME})(\\{(?:${LABEL}(?:,${LABEL})*)?\\})? (-?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|NaN|\\+Inf|-Inf))$`);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], counter: [''], gauge: [''] };

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined) return labels;
  for (const match of text.slice(1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

/** Parses the whole text or throws naming the first line that breaks the format. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  let current: Family | null = null;
  text.slice(0, -1).split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) {
      if (families.has(help[1]!)) throw new Error(`${where}: metric family repeated`);
      current = { name: help[1]!, help: help[2]!, type: '', samples: [] };
      families.set(current.name, current);
      return;
    }
    if (type) {
      if (current === null || current.name !== type[1] || current.type !== '') throw new Error(`${where}: TYPE must follow its HELP`);
      current.type = type[2]!;
      return;
    }
    const sample = SAMPLE.exec(line);
    if (!sample || current === null) throw new Error(`${where}: not a valid sample line`);
    const family: Family = current;
    const suffix = sample[1]!.slice(family.name.length);
    if (!sample[1]!.startsWith(family.name) || !(SUFFIXES[family.type] ?? ['']).includes(suffix)) throw new Error(`${where}: sample does not belong to ${family.name}`);
    family.samples.push({ name: sample[1]!, labels: parseLabels(sample[2]), value: Number(sample[3]!.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) });
  });
  return families;
}

export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const familyName = [...families.keys()].find((family) => name === family || name.startsWith(`${family}_`)) ?? name;
  const family = families.get(familyName);
  return family?.samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;
}
