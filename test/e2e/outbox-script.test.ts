import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '../../src/mail/mailer.ts';
import { quietLogger } from '../support/environment.ts';
import { ROOT, runNode } from '../support/processes.ts';

test('npm run outbox prints the newest mails of the development outbox with their links, decoded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-outbox-'));
  try {
    const issuer = 'http://localhost:3000';
    const mailer = createMailer({ smtpUrl: undefined, from: 'Portcullis <no-reply@localhost>', outboxDir: join(dataDir, 'outbox'), productName: 'Portcullis', issuer, logger: quietLogger() });
    const link = `${issuer}/verify-email?token=${'T'.repeat(43)}`;
    await mailer.send({ to: 'someone@example.com', template: 'verify-email', data: { name: 'Someone', link } });
    await mailer.close();
    const result = await runNode(join(ROOT, 'scripts/outbox.ts'), [], { env: { ...process.env, NODE_OPTIONS: '', DATA_DIR: dataDir } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('to someone@example.com');
    expect(result.stdout).toContain('Confirm your email address');
    expect(result.stdout.split('\n').map((line) => line.trim())).toContain(link);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
