import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { temporalConnectionOptions } from '../../src/temporal/connection';

const base = { BILLFLOW_API_KEYS: 'k_ops_1234:operator:olivia,k_apr_1234:approver:arthur' };

describe('config', () => {
  test('when only API keys are set, then the documented defaults apply', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'billing', apiKey: undefined, tls: false },
      smtpUrl: 'smtp://127.0.0.1:1025',
      publicBaseUrl: 'http://127.0.0.1:3000',
    });
    expect(config.apiKeys).toEqual([
      { key: 'k_ops_1234', role: 'operator', principal: 'olivia' },
      { key: 'k_apr_1234', role: 'approver', principal: 'arthur' },
    ]);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.temporal)).toBe(true);
  });

  test.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a URL starting with postgres:/],
    [{ TEMPORAL_ADDRESS: 'localhost' }, /TEMPORAL_ADDRESS must be host:port/],
    [{ SMTP_URL: 'http://x' }, /SMTP_URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ BILLFLOW_API_KEYS: 'k_only_key' }, /BILLFLOW_API_KEYS entry 1 must be key:role:principal/],
    [{ BILLFLOW_API_KEYS: 'k_ops_1234:boss:olivia' }, /BILLFLOW_API_KEYS entry 1 has role "boss"/],
    [{ BILLFLOW_API_KEYS: 'short:admin:ada' }, /at least 8 characters/],
    [{ BILLFLOW_API_KEYS: 'k_ops_1234:admin:a,k_ops_1234:viewer:b' }, /repeats a key/],
  ])('when the environment has %p, then start-up fails naming the variable', (override, message) => {
    expect(() => loadConfig({ ...base, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...override })).toThrow(message);
  });

  test('when COMPANY_NAME and COMPANY_LOGO_FILE are set, then the pay page takes them; unset, billflow and no logo', () => {
    expect(loadConfig(base).company).toEqual({ name: 'billflow', logoFile: undefined });
    expect(loadConfig({ ...base, COMPANY_NAME: ' Muster GmbH ', COMPANY_LOGO_FILE: '/etc/billflow/logo.svg' }).company).toEqual({
      name: 'Muster GmbH',
      logoFile: '/etc/billflow/logo.svg',
    });
    expect(() => loadConfig({ ...base, COMPANY_NAME: ' ' })).toThrow(/COMPANY_NAME must not be empty/);
    expect(() => loadConfig({ ...base, COMPANY_LOGO_FILE: '/etc/logo.exe' })).toThrow(/COMPANY_LOGO_FILE must be the path of a \.png/);
  });

  test('when TEMPORAL_UI_URL is set, then the pages link there (no trailing slash); unset or empty, no links; not a URL, start-up fails', () => {
    expect(loadConfig(base).temporalUiUrl).toBeUndefined();
    expect(loadConfig({ ...base, TEMPORAL_UI_URL: '' }).temporalUiUrl).toBeUndefined();
    expect(loadConfig({ ...base, TEMPORAL_UI_URL: ' http://127.0.0.1:8233/ ' }).temporalUiUrl).toBe('http://127.0.0.1:8233');
    expect(() => loadConfig({ ...base, TEMPORAL_UI_URL: 'temporal-ui' })).toThrow(/TEMPORAL_UI_URL must be a URL starting with http:/);
  });

  test('when BILLFLOW_API_KEYS is missing, then the error says it is required', () => {
    expect(() => loadConfig({})).toThrow(/BILLFLOW_API_KEYS is required/);
  });

  test('when several variables are bad, then all of them are named at once', () => {
    expect(() => loadConfig({ ...base, PORT: 'x', TEMPORAL_ADDRESS: 'nope' })).toThrow(/PORT[\s\S]*TEMPORAL_ADDRESS/);
  });
});

describe('config: the Temporal connection (TLS, mTLS, API key, profile file)', () => {
  // Config checks that these are readable PEM of the right kind; the TLS handshake itself is
  // test/e2e/temporal-tls.test.ts's, with real certificates.
  const pem = (label: string) => `-----BEGIN ${label}-----\nMIIBfake\n-----END ${label}-----\n`;
  let dir: string;
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  let ca: string;
  let cert: string;
  let key: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'billflow-config-'));
    ca = file('ca.pem', pem('CERTIFICATE'));
    cert = file('client.pem', pem('CERTIFICATE'));
    key = file('client.key', pem('PRIVATE KEY'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const mtls = () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_KEY_PATH: key });

  test('when a CA, a client certificate and its key are set, then the client and the worker connect with mTLS', () => {
    const config = loadConfig({ ...base, ...mtls(), TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal' });
    expect(config.temporal).toEqual({
      address: 'temporal.internal:7233',
      namespace: 'default',
      taskQueue: 'billing',
      apiKey: undefined,
      tls: { serverName: 'frontend.temporal', serverCaCert: { path: ca }, clientCertPair: { cert: { path: cert }, key: { path: key } } },
      grpcMeta: {},
    });
    const options = temporalConnectionOptions(config.temporal);
    expect(options.address).toBe('temporal.internal:7233');
    expect(options.tls).toEqual({
      serverNameOverride: 'frontend.temporal',
      serverRootCACertificate: new TextEncoder().encode(pem('CERTIFICATE')),
      clientCertPair: { crt: new TextEncoder().encode(pem('CERTIFICATE')), key: new TextEncoder().encode(pem('PRIVATE KEY')) },
    });
  });

  test('when only TEMPORAL_API_KEY is set, then TLS is on with the system CAs and the key is sent', () => {
    const config = loadConfig({ ...base, TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'billing.a1b2c', TEMPORAL_API_KEY: 'tmprl_secret' });
    expect(config.temporal).toMatchObject({ namespace: 'billing.a1b2c', apiKey: 'tmprl_secret', tls: { serverCaCert: undefined, clientCertPair: undefined } });
    const options = temporalConnectionOptions(config.temporal);
    expect(options).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', apiKey: 'tmprl_secret' });
    expect(options.tls).toBeTruthy();
  });

  test('when TEMPORAL_API_KEY and TEMPORAL_TLS_* are empty, then they count as unset', () => {
    const config = loadConfig({ ...base, TEMPORAL_API_KEY: '', TEMPORAL_TLS_CLIENT_CERT_PATH: ' ', TEMPORAL_TLS: '' });
    expect(config.temporal).toMatchObject({ apiKey: undefined, tls: false });
  });

  test('when TEMPORAL_TLS=true alone, then TLS is on without a client certificate', () => {
    expect(loadConfig({ ...base, TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({ serverName: undefined, serverCaCert: undefined, clientCertPair: undefined });
    expect(loadConfig({ ...base, TEMPORAL_TLS: '0', TEMPORAL_TLS_SERVER_NAME: 'x' }).temporal.tls).toBe(false);
  });

  test.each([
    ['a client certificate without its key', () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: cert }), /TEMPORAL_TLS_CLIENT_KEY_PATH is required with TEMPORAL_TLS_CLIENT_CERT_PATH/],
    ['a key without its certificate', () => ({ TEMPORAL_TLS_CLIENT_KEY_PATH: key }), /TEMPORAL_TLS_CLIENT_CERT_PATH is required with TEMPORAL_TLS_CLIENT_KEY_PATH/],
    ['a file that does not exist', () => ({ ...mtls(), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'missing.key') }), /TEMPORAL_TLS_CLIENT_KEY_PATH cannot be read: .*missing\.key \(ENOENT\)/],
    ['a directory for the CA', () => ({ ...mtls(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir }), /TEMPORAL_TLS_SERVER_CA_CERT_PATH cannot be read: .* \(EISDIR\)/],
    ['the certificate and key swapped', () => ({ ...mtls(), TEMPORAL_TLS_CLIENT_CERT_PATH: key, TEMPORAL_TLS_CLIENT_KEY_PATH: cert }), /TEMPORAL_TLS_CLIENT_CERT_PATH \(.*\) is not a PEM certificate\n\s+TEMPORAL_TLS_CLIENT_KEY_PATH \(.*\) is not a PEM private key/],
    ['a PATH and a DATA variable for one file', () => ({ ...mtls(), TEMPORAL_TLS_CLIENT_CERT_DATA: pem('CERTIFICATE') }), /TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_CERT_DATA .* are both set/],
    ['an API key with TLS turned off', () => ({ TEMPORAL_API_KEY: 'tmprl_secret', TEMPORAL_TLS: 'false' }), /TEMPORAL_API_KEY is only sent over TLS, but TEMPORAL_TLS turns TLS off/],
    ['TEMPORAL_TLS=yes', () => ({ TEMPORAL_TLS: 'yes' }), /TEMPORAL_TLS must be true or false/],
    ['host verification turned off', () => ({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }), /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported/],
    ['a config file that does not exist', () => ({ TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml') }), /TEMPORAL_CONFIG_FILE cannot be read: .* \(ENOENT\)/],
  ])('when the environment has %s, then start-up fails naming the variable', (_scenario, override, message) => {
    expect(() => loadConfig({ ...base, ...override() })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...override() })).toThrow(message);
  });

  test('when a problem involves the API key, then the error does not repeat it', () => {
    expect(() => loadConfig({ ...base, TEMPORAL_API_KEY: 'tmprl_secret', TEMPORAL_TLS: 'false' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('tmprl_secret') }));
    const broken = file('broken.toml', '[profile.default]\napi_key = "tmprl_secret\n');
    expect(() => loadConfig({ ...base, TEMPORAL_CONFIG_FILE: broken })).toThrow(/TEMPORAL_CONFIG_FILE is not valid TOML \(line 2, column \d+\)$/);
    expect(() => loadConfig({ ...base, TEMPORAL_CONFIG_FILE: broken })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('tmprl_secret') }));
  });

  describe('with a profile file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE)', () => {
    let toml: string;
    beforeAll(() => {
      toml = file(
        'temporal.toml',
        [
          '[profile.default]',
          'address = "127.0.0.1:7233"',
          '',
          '[profile.prod]',
          'address = "billing.a1b2c.tmprl.cloud:7233"',
          'namespace = "billing.a1b2c"',
          '[profile.prod.tls]',
          `client_cert_path = "${cert}"`,
          `client_key_path = "${key}"`,
          '',
          '[profile.half]',
          'address = "temporal.internal:7233"',
          '[profile.half.tls]',
          `client_cert_path = "${cert}"`,
        ].join('\n'),
      );
    });

    test('when TEMPORAL_PROFILE names a profile, then its settings apply and TEMPORAL_* variables override them', () => {
      const config = loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'billing-staging.a1b2c' });
      expect(config.temporal).toMatchObject({
        address: 'billing.a1b2c.tmprl.cloud:7233',
        namespace: 'billing-staging.a1b2c',
        tls: { clientCertPair: { cert: { path: cert }, key: { path: key } } },
      });
    });

    test('when TEMPORAL_PROFILE is unset, then the default profile applies', () => {
      expect(loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml }).temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', tls: false });
    });

    test('when the profile has a bad combination, then the error names the profile key', () => {
      expect(() => loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'half' })).toThrow(
        /tls\.client_key_path of profile "half" in TEMPORAL_CONFIG_FILE is required with tls\.client_cert_path of profile "half"/,
      );
    });

    test('when TEMPORAL_PROFILE names a profile the file lacks, then start-up fails naming it', () => {
      expect(() => loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' })).toThrow(/TEMPORAL_PROFILE is "staging", a profile TEMPORAL_CONFIG_FILE does not have/);
    });
  });
});
