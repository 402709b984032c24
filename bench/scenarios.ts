// The wrk scenarios by name: what each one sends is in bench/wrk/<script>.
export const SCENARIOS = {
  get: { label: 'GET /users/:id', script: 'get.lua' },
  create: { label: 'POST /users', script: 'create.lua' },
  list: { label: 'GET /users?limit=100', script: 'list.lua' },
  mix: { label: '90% GET :id / 10% POST', script: 'mix.lua' },
  'deep-list': { label: 'GET /users?limit=100&after≈end', script: 'deep-list.lua' },
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}
