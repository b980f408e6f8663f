import type { Transporter } from 'nodemailer';
import type { Logger } from '../observability/logger.ts';
import { messageOptions, type Delivery } from './delivery.ts';
import { recipientDomain } from './mail-data.ts';

/**
 * Mail through one SMTP transport, created on the first send (nodemailer is loaded then, not at
 * start). Each attempt opens its own connection, bounded by `attemptTimeoutMs` while connecting,
 * waiting for the greeting and between any two packets.
 */
export function createSmtpDelivery(smtpUrl: string, { attemptTimeoutMs, logger }: { attemptTimeoutMs: number; logger: Logger }): Delivery {
  let transport: Promise<Transporter> | undefined;
  const load = async (): Promise<Transporter> => {
    const { createTransport } = await import('nodemailer');
    // The url and the timeouts in one object: a second argument would only be message defaults.
    return createTransport({
      url: smtpUrl,
      connectionTimeout: attemptTimeoutMs,
      greetingTimeout: attemptTimeoutMs,
      socketTimeout: attemptTimeoutMs,
      dnsTimeout: attemptTimeoutMs,
      socketCloseTimeout: Math.min(attemptTimeoutMs, 1000),
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  };
  return {
    async deliver(mail, signal) {
      transport ??= load();
      const info = (await (await transport).sendMail({ ...messageOptions(mail), signal })) as { messageId?: unknown };
      logger.info({ template: mail.template, recipientDomain: recipientDomain(mail.to), messageId: info.messageId }, 'mail sent');
    },
    isPermanent(error) {
      const { responseCode } = error as { responseCode?: unknown };
      return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
    },
    async close() {
      const opened = transport;
      transport = undefined;
      if (opened) (await opened).close();
    },
  };
}
