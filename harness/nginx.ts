// Debian's nginx as a server nobody here wrote, for the tests that check a correct, common
// implementation passes the pack's gates: started privately (its own prefix, config and
// loopback port, no daemon), stopped with stop(). Installs nginx (and a module's package) when
// missing and we are root, like the other services.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, ensureBinary, ensurePackageFile, freePort, spawnService, stopChild, type Service } from './services.ts';

/** Debian's dynamic modules, by the package that ships each. */
const MODULES: Record<string, { file: string; pkg: string }> = {
  echo: { file: '/usr/lib/nginx/modules/ngx_http_echo_module.so', pkg: 'libnginx-mod-http-echo' },
};

export interface NginxConfig {
  /** Directives at http{} level (limit_req_zone ...). */
  http?: string;
  /** Inside server{}: locations. The server listens on its own loopback port, root is `files`. */
  server: string;
  /** Files to serve, by path under the root. */
  files?: Record<string, string>;
  modules?: (keyof typeof MODULES)[];
  /** The port to listen on (default or 0: a free one). */
  port?: number;
  /** The address to listen on (default 127.0.0.1; 0.0.0.0 only inside a container whose ports map to loopback). */
  host?: string;
}

export async function startNginx(c: NginxConfig): Promise<Service> {
  const bin = ensureBinary('nginx', 'nginx');
  const modules = (c.modules ?? []).map((m) => ensurePackageFile(MODULES[m]!.file, MODULES[m]!.pkg));
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-nginx-'));
  // Run as root, nginx's workers drop to nobody: they must be able to read the root.
  chmodSync(dir, 0o755);
  const root = join(dir, 'html');
  mkdirSync(root, { recursive: true });
  for (const [path, text] of Object.entries(c.files ?? {})) writeFileSync(join(root, path), text);
  const port = c.port || (await freePort());
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `${modules.map((m) => `load_module ${m};`).join('\n')}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${c.http ?? ''}
  server {
    listen ${c.host ?? '127.0.0.1'}:${port};
    root ${root};
    location = /healthz { return 200 "ok\\n"; }
    ${c.server}
  }
}
`,
  );
  // -e: the log of errors before the config's own error_log applies (nginx >= 1.19.5).
  const url = `http://${c.host && c.host !== '0.0.0.0' ? c.host : '127.0.0.1'}:${port}`;
  const errorLog = join(dir, 'error.log');
  const child = await spawnService(bin, ['-p', dir, '-c', conf, '-e', errorLog], `nginx on port ${port}`, answers(`${url}/healthz`, 200), {
    log: () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''),
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    url,
    port,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
