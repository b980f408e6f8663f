import type { BenchOptions } from '../lib/options.ts';
import type { TargetId } from '../lib/targets.ts';
import { adminCreateClients } from './admin-create-clients.ts';
import { adminListClients, adminListClientsDeep } from './admin-list-clients.ts';
import { clientCredentials } from './client-credentials.ts';
import { demoApi } from './demo-api.ts';
import { introspection } from './introspection.ts';
import { login } from './login.ts';
import { refresh } from './refresh.ts';
import type { Scenario } from './scenario.ts';
import { userinfo } from './userinfo.ts';

/** In run order: the list scenarios seed their 10,000 clients before the creation scenario adds more. */
const SCENARIOS: readonly Scenario[] = [
  clientCredentials,
  refresh,
  introspection,
  userinfo,
  login,
  demoApi,
  adminListClients,
  adminListClientsDeep,
  adminCreateClients,
];

export const chosenScenarios = (options: BenchOptions): Scenario[] =>
  SCENARIOS.filter((scenario) => options.scenarios.includes(scenario.id));

/** The targets a scenario measures, its baseline last. */
export const targetIdsOf = (scenario: Scenario): TargetId[] => [...scenario.subjects, ...(scenario.baseline ? [scenario.baseline] : [])];
