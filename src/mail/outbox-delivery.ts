import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../observability/logger.ts';
import { messageOptions, type Delivery } from './delivery.ts';

/**
 * Development without SMTP: each mail is written whole (RFC 5322, as it would have been sent) to
 * `<outboxDir>/<time>-<random>.eml`, readable by its owner only since it holds live links.
 */
export function createOutboxDelivery(outboxDir: string, { logger }: { logger: Logger }): Delivery {
  return {
    async deliver(mail) {
      const { createTransport } = await import('nodemailer');
      const composer = createTransport({
        streamTransport: true,
        buffer: true,
        newline: 'unix',
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const { message } = await composer.sendMail(messageOptions(mail));
      const file = join(outboxDir, `${new Date().toISOString().replaceAll(':', '')}-${randomBytes(4).toString('hex')}.eml`);
      await mkdir(outboxDir, { recursive: true, mode: 0o700 });
      await writeFile(file, message, { mode: 0o600, flag: 'wx' });
      logger.info({ file, to: mail.to, template: mail.template }, 'mail written to the outbox');
    },
    isPermanent: () => true,
    async close() {},
  };
}
