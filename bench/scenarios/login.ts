import { MODES } from '../lib/options.ts';
import type { Scenario } from './scenario.ts';

/** Complete browser-less logins (authorize, password, consent, code exchange); no baseline. */
export const login: Scenario = {
  id: 'login',
  unit: 'logins/s',
  subjects: MODES,
  job: async (target, seconds, options) => ({
    kind: 'login',
    target: { issuer: target.process.origin, client: target.client! },
    concurrency: options.loginConcurrency,
    durationSeconds: seconds,
    maxLogins: Math.ceil(seconds * 500),
  }),
};
