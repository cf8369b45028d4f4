import { ConfigError, loadConfig } from '../../src/config';

const base = { BILLFLOW_API_KEYS: 'k_ops_1234:operator:olivia,k_apr_1234:approver:arthur' };

describe('config', () => {
  test('when only API keys are set, then the documented defaults apply', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'billing' },
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

  test('when BILLFLOW_API_KEYS is missing, then the error says it is required', () => {
    expect(() => loadConfig({})).toThrow(/BILLFLOW_API_KEYS is required/);
  });

  test('when several variables are bad, then all of them are named at once', () => {
    expect(() => loadConfig({ ...base, PORT: 'x', TEMPORAL_ADDRESS: 'nope' })).toThrow(/PORT[\s\S]*TEMPORAL_ADDRESS/);
  });
});
