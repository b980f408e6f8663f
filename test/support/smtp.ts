import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface TestSmtpOptions {
  /** Refuse the first N recipients (RCPT TO) or messages (DATA, see `failAt`) with `failCode`. */
  readonly failFirst?: number;
  /** 451 by default (try again later); a 5xx code is a permanent refusal. */
  readonly failCode?: number;
  readonly failAt?: 'rcpt' | 'data';
  /** Accept connections and never greet them: a server that hangs. */
  readonly hang?: boolean;
  /** Require AUTH (PLAIN or LOGIN, without TLS) with these credentials before any mail. */
  readonly requireAuth?: { readonly user: string; readonly pass: string };
}

export interface TestSmtp {
  /** smtp://127.0.0.1:<port>, without credentials. */
  readonly url: string;
  /** Every message accepted so far, parsed, in order. */
  readonly messages: ParsedMail[];
  /** What the server saw, to count a client's attempts. */
  readonly counts: { connections: number; refused: number; failedLogins: number };
  waitForMail(predicate: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

const refusal = (code: number): Error => Object.assign(new Error(code >= 500 ? 'Refused for this test' : 'Try again later'), { responseCode: code });

/** A real SMTP server in this process, on a free loopback port, keeping what it receives. */
export async function startTestSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  const counts = { connections: 0, refused: 0, failedLogins: 0 };
  const waiters = new Set<() => void>();
  let failuresLeft = options.failFirst ?? 0;
  const failAt = options.failAt ?? 'rcpt';
  const refuseNow = (): boolean => {
    if (failuresLeft <= 0) return false;
    failuresLeft -= 1;
    counts.refused += 1;
    return true;
  };

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: !options.requireAuth,
    allowInsecureAuth: true,
    closeTimeout: 50,
    disableReverseLookup: true,
    onConnect(_session, callback) {
      counts.connections += 1;
      if (!options.hang) callback();
    },
    onAuth(auth, _session, callback) {
      const expected = options.requireAuth;
      if (expected && auth.username === expected.user && auth.password === expected.pass) return callback(null, { user: auth.username });
      counts.failedLogins += 1;
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      callback(failAt === 'rcpt' && refuseNow() ? refusal(options.failCode ?? 451) : undefined);
    },
    onData(stream, _session, callback) {
      if (failAt === 'data' && refuseNow()) {
        stream.on('end', () => callback(refusal(options.failCode ?? 451)));
        stream.resume();
        return;
      }
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          for (const wake of waiters) wake();
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  server.on('error', () => {}); // a client hanging up mid-command is part of some tests
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    counts,
    waitForMail(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const HTTP_LINK = /\bhttps?:\/\/[^\s<>"')\]]+/g;

/** The one http(s) link in a mail's text body (what a person would open); throws unless there is exactly one. */
export function linkIn(mail: ParsedMail): string {
  const found = (mail.text?.match(HTTP_LINK) ?? []).map((link) => link.replace(/[.,;:!?]+$/, '')); // a sentence's full stop is not part of it
  const links = [...new Set(found)];
  if (links.length !== 1) throw new Error(`expected exactly one link in the mail "${mail.subject ?? ''}", found ${links.length}: ${links.join(' ')}`);
  return links[0]!;
}
