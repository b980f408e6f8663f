// Prints one plain closing line ("tests: N passed, N failed, N skipped") that CI systems can read,
// preceded by every skipped test and why tests are skipped here.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const skipped = results.testResults.flatMap((file) =>
      file.testResults.filter((test) => test.status === 'pending').map((test) => `  ${file.testFilePath.replace(/^.*\/test\//, 'test/')}: ${test.fullName}`),
    );
    if (skipped.length > 0) {
      process.stdout.write(
        `\nskipped (these need real services: DATABASE_URL and REDIS_URL for PostgreSQL and Redis, and redis-server on PATH for a Redis Cluster):\n${skipped.join('\n')}\n`,
      );
    }
    process.stdout.write(`\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}
