// Writes two log lines through the project's logger to standard output (for test/e2e/log-format.test.ts).
import { createLogger } from '../../src/observability/logger.ts';

const logger = createLogger('info');
logger.info({ database: 'embedded' }, 'Portcullis listening');
logger.child({ component: 'http' }).warn({ status: 401, password: 'hunter2' }, 'request refused');
