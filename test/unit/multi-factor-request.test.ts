import { asksForMultiFactor, isMultiFactorAcr } from '../../src/mfa/multi-factor-request.ts';
import { ACR_PAPE_MULTI_FACTOR, signInResult } from '../../src/interactions/sign-in-result.ts';

describe('multi-factor requests', () => {
  test('acr_values asks for more than one factor with mfa or the PAPE policy, anywhere in the list, unless it also accepts 1fa', () => {
    expect(asksForMultiFactor('mfa')).toBe(true);
    expect(asksForMultiFactor(`urn:other ${ACR_PAPE_MULTI_FACTOR}`)).toBe(true);
    expect(asksForMultiFactor(`1fa ${ACR_PAPE_MULTI_FACTOR}`)).toBe(false);
    expect(asksForMultiFactor(`mfa 1fa`)).toBe(false);
    expect(asksForMultiFactor('1fa')).toBe(false);
    expect(asksForMultiFactor('mfaa urn:other')).toBe(false);
    expect(asksForMultiFactor(undefined)).toBe(false);
  });

  test('a session is multi-factor only with a multi-factor acr', () => {
    expect(isMultiFactorAcr('mfa')).toBe(true);
    expect(isMultiFactorAcr(ACR_PAPE_MULTI_FACTOR)).toBe(true);
    expect(isMultiFactorAcr('1fa')).toBe(false);
    expect(isMultiFactorAcr(undefined)).toBe(false);
  });

  test('a password and a TOTP code sign in with amr pwd, otp, mfa and the multi-factor acr asked for', () => {
    expect(signInResult('a', ['pwd', 'otp'])).toEqual({ login: { accountId: 'a', amr: ['pwd', 'otp', 'mfa'], acr: 'mfa', ts: expect.any(Number) } });
    expect(signInResult('a', ['pwd', 'otp'], ACR_PAPE_MULTI_FACTOR).login.acr).toBe(ACR_PAPE_MULTI_FACTOR);
    expect(signInResult('a', ['pwd'], 'mfa').login).toEqual({ accountId: 'a', amr: ['pwd'], acr: '1fa', ts: expect.any(Number) });
  });
});
