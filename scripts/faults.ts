// `npm run faults -- [options] <name>=<listen>:<upstream> ...`: the fault proxy on loopback, with
// your service's dependencies behind it (harness/faults.ts), until Ctrl-C. Scenarios given
// -e FAULTS_URL=<its address> add and remove faults on it at their timeline's moments.
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/fail.ts';
import { parseProxySpec, readProxiesFile, startFaults, type ProxySpec } from '../harness/faults.ts';

const USAGE = `usage: npm run faults -- [options] <name>=<listen>:<upstream> ...
  e.g. npm run faults -- db=127.0.0.1:15432:127.0.0.1:5432 upstream=19090:127.0.0.1:9090
  <listen> is loopback only (a port alone means 127.0.0.1); point your service's dependency
  address at it, and give scenarios -e FAULTS_URL=http://127.0.0.1:<port>.
options:
  --port N            the API scenarios talk to (default 8474)
  --lease-ms N        how long a run's faults outlive its last word (default 5000)
  --config FILE       proxies from a JSON file: [{"name", "listen", "upstream"}]
  --allowed-hosts H   upstream hosts other than loopback you allow, comma-separated`;

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '8474' },
      'lease-ms': { type: 'string', default: '5000' },
      config: { type: 'string' },
      'allowed-hosts': { type: 'string', default: '' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const allowed = values['allowed-hosts'].split(',').filter(Boolean);
  const proxies: ProxySpec[] = [
    ...(values.config ? readProxiesFile(values.config, allowed) : []),
    ...positionals.map((p) => parseProxySpec(p, allowed)),
  ];
  if (proxies.length === 0) throw new UsageError('no proxy given');
  const port = Number(values.port);
  const leaseMs = Number(values['lease-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${values.port}: expected a port number`);
  if (!Number.isInteger(leaseMs) || leaseMs < 1000) throw new UsageError(`--lease-ms ${values['lease-ms']}: expected 1000 or more`);
  const faults = await startFaults({ proxies, port, leaseMs });
  process.stderr.write(
    `floodgate faults: listening on loopback only; the API is ${faults.url} (give scenarios -e FAULTS_URL=${faults.url}); ` +
      `a run's faults last ${leaseMs} ms past its last word. Ctrl-C stops it, faults and all.\n`,
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void faults.stop().then(() => process.exit(0));
    });
  }
} catch (err) {
  if (!(err instanceof UsageError) && !(err instanceof TypeError && 'code' in err)) throw err;
  process.stderr.write(`floodgate faults: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}
