import { MAX_PASSWORD_LENGTH, PasswordPolicy, PasswordRejectedError } from '../../src/accounts/password-policy.ts';

const policy = new PasswordPolicy();

async function refusal(password: string, context = {}): Promise<string> {
  const error = await policy.accept(password, context).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof PasswordRejectedError)) throw new Error(`expected ${JSON.stringify(password)} to be refused`);
  expect(error.code).toBe('invalid_input');
  expect(error.fields).toEqual([{ pointer: '/password', message: error.message }]);
  return error.message;
}

describe('the password policy (NIST SP 800-63B rev. 4)', () => {
  test('15 characters by default, counted as Unicode code points after NFKC', async () => {
    expect(policy.minLength).toBe(15);
    expect(await refusal('fourteen chars')).toBe('password must be at least 15 characters (this one has 14)');
    await expect(policy.accept('fifteen chars!!')).resolves.toBe('fifteen chars!!');
    // 15 emoji are 30 UTF-16 units but 15 characters; 14 are too few.
    await expect(policy.accept('🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵🐔🐧🐦🐤🦉')).resolves.toHaveLength(30);
    expect(await refusal('🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵🐔🐧🐦🐤')).toMatch(/at least 15 characters \(this one has 14\)/);
  });

  test('the minimum is a setting', async () => {
    const eight = new PasswordPolicy({ minLength: 8 });
    await expect(eight.accept('tr0ub4dor&3')).resolves.toBe('tr0ub4dor&3');
    await expect(eight.accept('seven77')).rejects.toThrow('at least 8 characters');
  });

  test('at least 64 characters allowed, and anything up to the maximum', async () => {
    const long = 'a sentence that goes on and on, as people type them, with spaces and punctuation';
    expect(long.length).toBeGreaterThan(64);
    await expect(policy.accept(long)).resolves.toBe(long);
    const maximum = 'x'.repeat(MAX_PASSWORD_LENGTH - 4) + 'yzwv';
    await expect(policy.accept(maximum)).resolves.toBe(maximum);
    expect(await refusal(maximum + 'u')).toBe(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  });

  test('no composition rules: all lower case, all letters, spaces and any script are fine', async () => {
    for (const password of ['purple elephants dance quietly', 'пароль из многих слов', 'パスワードはとても長いです。はい', 'zzzz yyyy xxxx ww']) {
      await expect(policy.accept(password)).resolves.toBe(password.normalize('NFKC'));
    }
  });

  test('normalised to NFKC, so the same password typed differently is the same', async () => {
    // Full-width letters and a precomposed vs combining accent.
    await expect(policy.accept('ｆｕｌｌｗｉｄｔｈ　ｐａｓｓｗｏｒｄ')).resolves.toBe('fullwidth password');
    const combining = 'cafe\u0301 au lait tous les matins';
    await expect(policy.accept(combining)).resolves.toBe('caf\u00e9 au lait tous les matins');
  });

  test('common and breached passwords are refused, whatever their case, and repeated', async () => {
    const eight = new PasswordPolicy({ minLength: 8 });
    for (const password of ['password1', 'PASSWORD1', 'iloveyou', 'qwertyuiop']) {
      await expect(eight.accept(password)).rejects.toThrow('password is in a list of common or breached passwords; choose another');
    }
    expect(await refusal('passwordpassword')).toBe('password is in a list of common or breached passwords; choose another');
    expect(await refusal('1qaz2wsx3edc4rfv')).toBe('password is in a list of common or breached passwords; choose another');
  });

  test('repeated patterns and sequences are refused', async () => {
    expect(await refusal('aaaaaaaaaaaaaaaa')).toMatch(/short pattern repeated/);
    expect(await refusal('abababababababab')).toMatch(/short pattern repeated/);
    expect(await refusal('123456789012345')).toMatch(/sequence/);
    expect(await refusal('abcdefghijklmnop')).toMatch(/sequence/);
    expect(await refusal('zyxwvutsrqponmlk')).toMatch(/sequence/);
  });

  test("the person's own address is refused, a password merely mentioning a word of it is not", async () => {
    expect(await refusal('alice.smith@example.com', { email: 'Alice.Smith@example.com' })).toBe('password must not be made of your email address');
    expect(await refusal('alice.smith2026!', { email: 'alice.smith@example.com' })).toBe('password must not be made of your email address');
    await expect(policy.accept('alice likes long walks in the rain', { email: 'alice@example.com' })).resolves.toBeDefined();
  });
});
