import { maintenanceSteps, nextKeyLeadSeconds, rotationSteps } from '../../src/keys/key-lifecycle.ts';
import { fingerprintOf, publishedAt, type KeyState } from '../../src/keys/key-states.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const at = (ms: number) => new Date(ms);
const key = (kid: string, alg: KeyState['alg'], status: KeyState['status'], fields: Partial<KeyState> = {}): KeyState => ({
  kid,
  alg,
  status,
  createdAt: at(0),
  activatedAt: status === 'current' ? at(0) : null,
  retiredAt: null,
  publishedUntil: null,
  ...fields,
});
const currents = [key('rsa-1', 'RS256', 'current'), key('ec-1', 'ES256', 'current')];
const thirtyDays = { rotateAfterSeconds: 30 * 24 * 60 * 60 };

describe('publishing order', () => {
  test('current keys come first (RS256 first, the default), then next keys, then retired ones newest first; expired ones are left out', () => {
    const states = [
      key('old-rsa', 'RS256', 'retired', { retiredAt: at(1), publishedUntil: at(100) }),
      key('ec-next', 'ES256', 'next'),
      key('gone', 'RS256', 'retired', { retiredAt: at(0), publishedUntil: at(50) }),
      key('newer-old-rsa', 'RS256', 'retired', { retiredAt: at(2), publishedUntil: at(100) }),
      ...[...currents].reverse(),
    ];
    expect(fingerprintOf(publishedAt(states, 60))).toBe('current:rsa-1,current:ec-1,next:ec-next,retired:newer-old-rsa,retired:old-rsa');
  });
});

describe('rotation asked for', () => {
  test('retires each current key and promotes the next key, or a new one when there is none', () => {
    expect(rotationSteps([...currents, key('ec-next', 'ES256', 'next')])).toEqual([
      { kind: 'retire', kid: 'rsa-1' },
      { kind: 'activate', alg: 'RS256', kid: undefined },
      { kind: 'retire', kid: 'ec-1' },
      { kind: 'activate', alg: 'ES256', kid: 'ec-next' },
    ]);
  });
});

describe('maintenance', () => {
  test('without automatic rotation only missing current keys and expired retired keys need anything', () => {
    const states = [currents[0]!, key('gone', 'RS256', 'retired', { publishedUntil: at(10) })];
    expect(maintenanceSteps(states, 1000 * DAY_MS, { rotateAfterSeconds: undefined })).toEqual([
      { kind: 'activate', alg: 'ES256', kid: undefined },
      { kind: 'drop', kid: 'gone' },
    ]);
    expect(maintenanceSteps(currents, 1000 * DAY_MS, { rotateAfterSeconds: undefined })).toEqual([]);
  });

  test('the lead time is a day, half the period for one-day rotation, never under an hour', () => {
    expect(nextKeyLeadSeconds(30 * 86_400)).toBe(86_400);
    expect(nextKeyLeadSeconds(86_400)).toBe(43_200);
    expect(nextKeyLeadSeconds(60)).toBe(3600);
  });

  test('a next key is published one lead before the rotation age, and promoted at the age', () => {
    expect(maintenanceSteps(currents, 29 * DAY_MS - 1, thirtyDays)).toEqual([]);
    expect(maintenanceSteps(currents, 29 * DAY_MS, thirtyDays)).toEqual([
      { kind: 'prepare', alg: 'RS256' },
      { kind: 'prepare', alg: 'ES256' },
    ]);
    const prepared = [
      ...currents,
      key('rsa-2', 'RS256', 'next', { createdAt: at(29 * DAY_MS) }),
      key('ec-2', 'ES256', 'next', { createdAt: at(29 * DAY_MS) }),
    ];
    expect(maintenanceSteps(prepared, 30 * DAY_MS - 1, thirtyDays)).toEqual([]);
    expect(maintenanceSteps(prepared, 30 * DAY_MS, thirtyDays)).toEqual([
      { kind: 'retire', kid: 'rsa-1' },
      { kind: 'activate', alg: 'RS256', kid: 'rsa-2' },
      { kind: 'retire', kid: 'ec-1' },
      { kind: 'activate', alg: 'ES256', kid: 'ec-2' },
    ]);
  });

  test('a next key created late (after a downtime) is still published for the whole lead before it signs', () => {
    const late = 100 * DAY_MS;
    expect(maintenanceSteps(currents, late, thirtyDays).map((step) => step.kind)).toEqual(['prepare', 'prepare']);
    const prepared = [
      ...currents,
      key('rsa-2', 'RS256', 'next', { createdAt: at(late) }),
      key('ec-2', 'ES256', 'next', { createdAt: at(late) }),
    ];
    expect(maintenanceSteps(prepared, late + DAY_MS - 1, thirtyDays)).toEqual([]);
    expect(maintenanceSteps(prepared, late + DAY_MS, thirtyDays).map((step) => step.kind)).toEqual([
      'retire',
      'activate',
      'retire',
      'activate',
    ]);
  });
});
