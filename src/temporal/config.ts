import { readFileSync } from 'node:fs';
import { type ClientConfigProfile, type ConfigDataSource, loadClientConfigProfile } from '@temporalio/envconfig';

/**
 * How billflow reaches Temporal, resolved the SDK's way (@temporalio/envconfig) at start-up, with
 * every problem named by its variable or profile key (src/config.ts reports them with the rest).
 */

/** A PEM certificate or key: a file, or its text (the `…_DATA` variables, `…_data` in a profile). */
export type PemSource = { path: string } | { data: string };

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Sent as `Authorization: Bearer …` (Temporal Cloud). A secret: never log it. */
  apiKey: string | undefined;
  /** `false` is plaintext gRPC, all the dev server speaks; with a client certificate pair it is mTLS. */
  tls: false | TemporalTls;
  /** gRPC headers sent with every call (`TEMPORAL_GRPC_META_<NAME>`). */
  grpcMeta: Readonly<Record<string, string>>;
}

export interface TemporalTls {
  /** The name to verify the server's certificate against (and SNI), when the address's host is not it. */
  serverName: string | undefined;
  /** The CA that signed the server's certificate; unset trusts the system's CAs (enough for Temporal Cloud). */
  serverCaCert: PemSource | undefined;
  clientCertPair: { cert: PemSource; key: PemSource } | undefined;
}

const hostPort = /^[^\s:/]+:\d{1,5}$/;

const TLS_FILES = {
  serverCACert: { name: 'SERVER_CA_CERT', pem: /-----BEGIN CERTIFICATE-----/, is: 'a PEM certificate' },
  clientCert: { name: 'CLIENT_CERT', pem: /-----BEGIN CERTIFICATE-----/, is: 'a PEM certificate' },
  clientKey: { name: 'CLIENT_KEY', pem: /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/, is: 'a PEM private key' },
} as const;
type TlsFile = keyof typeof TLS_FILES;

/**
 * The Temporal connection the SDK's environment configuration (@temporalio/envconfig) describes: the
 * profile TEMPORAL_PROFILE (else "default") of the TOML file TEMPORAL_CONFIG_FILE (else
 * ~/.config/temporalio/temporal.toml, if there is one), overridden by the TEMPORAL_* variables, with
 * billflow's defaults for what neither sets. The SDK would fail on first connect, or quietly drop a
 * client certificate without its key; here each such problem names its variable (or profile key).
 */
export function resolveTemporal(env: NodeJS.ProcessEnv, problems: string[]): Omit<TemporalConfig, 'taskQueue'> | undefined {
  const sdkEnv = envForSdk(env);
  const profileName = sdkEnv.TEMPORAL_PROFILE ?? 'default';
  const configFile = sdkEnv.TEMPORAL_CONFIG_FILE ? 'TEMPORAL_CONFIG_FILE' : 'the Temporal config file (~/.config/temporalio/temporal.toml)';
  const fromEnv = (variable: string) => sdkEnv[variable] !== undefined;
  const where = (variable: string, profileKey: string) => (fromEnv(variable) ? variable : `${profileKey} of profile "${profileName}" in ${configFile}`);

  if (sdkEnv.TEMPORAL_CONFIG_FILE) {
    // The SDK skips a missing file silently; one named on purpose must exist.
    const file = readText(sdkEnv.TEMPORAL_CONFIG_FILE);
    if ('problem' in file) {
      problems.push(`TEMPORAL_CONFIG_FILE ${file.problem}`);
      return undefined;
    }
  }
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: sdkEnv });
  } catch (error) {
    problems.push(describeProfileError(error, { configFile, profileName }));
    return undefined;
  }

  const address = profile.address ?? '127.0.0.1:7233';
  if (!hostPort.test(address)) problems.push(`${where('TEMPORAL_ADDRESS', 'address')} must be host:port`);
  const namespace = profile.namespace?.trim() || 'default';
  const apiKey = profile.apiKey || undefined;
  const grpcMeta = profile.grpcMeta ?? {};
  if (sdkEnv.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true' || sdkEnv.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === '1') {
    problems.push('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to a name in the server certificate instead');
  }

  // As the SDK decides: a TLS section (any TEMPORAL_TLS_* variable) turns TLS on unless it says
  // disabled; without one, an API key does.
  const settings = profile.tls;
  if (settings ? settings.disabled === true : apiKey === undefined) {
    if (apiKey !== undefined) {
      problems.push(`${where('TEMPORAL_API_KEY', 'api_key')} is only sent over TLS, but ${where('TEMPORAL_TLS', 'tls.disabled')} turns TLS off`);
    }
    return { address, namespace, apiKey, tls: false, grpcMeta };
  }

  // Named as the user set it: by its variable, or by its key in the profile. `like` names a missing
  // file the way its partner was given.
  const label = (file: TlsFile, source: ConfigDataSource, like: TlsFile = file) => {
    const kind = 'path' in source ? 'PATH' : 'DATA';
    const variable = (f: TlsFile) => `TEMPORAL_TLS_${TLS_FILES[f].name}_${kind}`;
    return fromEnv(variable(like)) ? variable(file) : where(variable(file), `tls.${TLS_FILES[file].name.toLowerCase()}_${kind.toLowerCase()}`);
  };
  const pem = (file: TlsFile): PemSource | undefined => {
    const source = settings?.[file];
    if (!source) return undefined;
    const read = 'path' in source ? readText(source.path) : { text: typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString('utf8') };
    if ('problem' in read) {
      problems.push(`${label(file, source)} ${read.problem}`);
      return undefined;
    }
    if (!TLS_FILES[file].pem.test(read.text)) {
      problems.push(`${label(file, source)} ${'path' in source ? `(${source.path}) ` : ''}is not ${TLS_FILES[file].is}`);
      return undefined;
    }
    return 'path' in source ? { path: source.path } : { data: read.text };
  };
  const serverCaCert = pem('serverCACert');
  const cert = pem('clientCert');
  const key = pem('clientKey');
  for (const [present, missing] of [['clientCert', 'clientKey'], ['clientKey', 'clientCert']] as const) {
    const source = settings?.[present];
    if (source && !settings[missing]) {
      problems.push(`${label(missing, source, present)} is required with ${label(present, source)}: mTLS needs the client certificate and its private key`);
    }
  }
  return {
    address,
    namespace,
    apiKey,
    tls: { serverName: settings?.serverName, serverCaCert, clientCertPair: cert && key ? { cert, key } : undefined },
    grpcMeta,
  };
}

/**
 * The variables as envconfig should see them. Empty means unset, as everywhere in this file (the SDK
 * would take `TEMPORAL_API_KEY=` for an empty key); an empty TEMPORAL_GRPC_META_<NAME> keeps the SDK's
 * meaning: drop that header.
 */
function envForSdk(env: NodeJS.ProcessEnv): Record<string, string> {
  const sdkEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const temporalVariable = name.startsWith('TEMPORAL_');
    if (temporalVariable && value.trim() === '' && !name.startsWith('TEMPORAL_GRPC_META_')) continue;
    sdkEnv[name] = temporalVariable ? value.trim() : value;
  }
  return sdkEnv;
}

/** A file's text, or why it cannot be read (never its contents). */
function readText(path: string): { text: string } | { problem: string } {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (error) {
    return { problem: `cannot be read: ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
}

/** The SDK's profile errors, named by variable; a TOML error's own message would quote the file, keys and all. */
function describeProfileError(error: unknown, where: { configFile: string; profileName: string }): string {
  const { line, column, code, message } = (error ?? {}) as { line?: unknown; column?: unknown; code?: unknown; message?: unknown };
  if (typeof line === 'number' && typeof column === 'number') return `${where.configFile} is not valid TOML (line ${line}, column ${column})`;
  if (typeof code === 'string') return `${where.configFile} cannot be read (${code})`;
  const text = String(message ?? error);
  if (/^Profile '.*' not found/.test(text)) return `TEMPORAL_PROFILE is "${where.profileName}", a profile ${where.configFile} does not have`;
  const both = /Cannot specify both (\w+)_path and \w+_data/.exec(text);
  if (both?.[1]) {
    const name = both[1].toUpperCase();
    return `TEMPORAL_TLS_${name}_PATH and TEMPORAL_TLS_${name}_DATA (or ${both[1]}_path and ${both[1]}_data of profile "${where.profileName}") are both set: set one`;
  }
  return `${where.configFile} ${text.split('\n')[0]}`;
}
