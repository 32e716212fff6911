// Baseline for the gateway bench: a bare node:http server answering what /health answers.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer({ keepAlive: true }, (_req, res) => {
  const body = JSON.stringify({
    status: 'ok',
    version: '0.1.0',
    store: 'dynalite',
    secrets: 'file',
    time: new Date().toISOString(),
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
