/** Reads all of standard input once; later calls get the same text. */
let cached: Promise<string> | undefined;

export function readProcessStdin(): Promise<string> {
  cached ??= (async () => {
    if (process.stdin.isTTY) return '';
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  })();
  return cached;
}
