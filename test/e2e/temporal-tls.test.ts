import { randomBytes } from 'node:crypto';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { type Config, loadConfig } from '../../src/config';
import { connectClient } from '../../src/temporal/connection';
import { connectWorker } from '../../src/worker';
import { createTestPki, type TestPki } from '../support/test-pki';
import { testEnv } from '../support/test-env';
import { type RunningTlsProxy, startTlsProxy } from '../support/tls-proxy';
import { tlsProbeWorkflow } from '../support/tls-probe-workflow';

/**
 * billflow's api client and worker against a Temporal frontend that speaks only TLS and requires a
 * client certificate, configured as an operator would: TEMPORAL_TLS_* variables through loadConfig.
 * `temporal server start-dev` of the Temporal CLI v1.5.1 has no TLS flags, so a TLS-terminating proxy
 * (test/support/tls-proxy.ts) fronts the shared dev server, with a throwaway CA made by openssl.
 */
let pki: TestPki;
let proxy: RunningTlsProxy;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  pki = await createTestPki();
  proxy = await startTlsProxy({ upstream: testEnv('temporalAddress'), cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert });
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../support/tls-probe-workflow'), logger: quiet });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await pki?.remove();
});

const suffix = () => randomBytes(4).toString('hex');

function tlsConfig(overrides: Record<string, string | undefined> = {}): Readonly<Config> {
  return loadConfig({
    BILLFLOW_API_KEYS: 'test_admin_key:admin:ada',
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TASK_QUEUE: `tls-${suffix()}`,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
    // The name in the server certificate; also spares grpc-js an IP address as SNI, which RFC 6066 forbids.
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    ...overrides,
  });
}

describe('Temporal over mTLS', () => {
  test('when the api client has the CA and a client certificate, then it reaches Temporal through TLS', async () => {
    const config = tlsConfig();
    expect(config.temporal.tls).toMatchObject({ serverCaCert: { path: pki.caCert }, clientCertPair: { cert: { path: pki.clientCert } } });
    const accepted = proxy.accepted.length;

    const temporal = await connectClient(config);
    try {
      const info = await temporal.client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
      expect(proxy.accepted.slice(accepted)).toContain('billflow-client');
    } finally {
      await temporal.connection.close();
    }
  });

  test('when the worker connects with the same config, then it polls through TLS and completes what the client starts', async () => {
    const config = tlsConfig();
    const accepted = proxy.accepted.length;
    const connection = await connectWorker(config);
    expect(proxy.accepted.slice(accepted)).toContain('billflow-client');
    const temporal = await connectClient(config);
    try {
      const worker = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, workflowBundle: bundle });
      const result = await worker.runUntil(
        temporal.client.workflow.execute(tlsProbeWorkflow, {
          args: [{ text: 'over mTLS' }],
          taskQueue: config.temporal.taskQueue,
          workflowId: `tls-probe:${suffix()}`,
        }),
      );
      expect(result).toBe('received over mTLS');
    } finally {
      await temporal.connection.close();
      await connection.close();
    }
  }, 90_000);

  test('when a client does not have the CA, then it refuses the server and neither client nor worker connects', async () => {
    // Without TEMPORAL_TLS_SERVER_CA_CERT_PATH only the system's CAs are trusted, and none signed the test CA.
    const config = tlsConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: undefined });
    expect(config.temporal.tls).toMatchObject({ serverCaCert: undefined });
    const refused = proxy.refused.length;

    // grpc-js only reports the deadline it retried until; rustls says why, and alerts the server.
    await expect(connectClient(config)).rejects.toThrow(/Failed to connect/);
    await expect(connectWorker(config)).rejects.toThrow(/UnknownIssuer/);
    expect(proxy.refused.slice(refused).join('\n')).toMatch(/unknown ca/);
  }, 60_000);

  test('when a client has no client certificate, then the server refuses it (mTLS is required)', async () => {
    const config = tlsConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: undefined, TEMPORAL_TLS_CLIENT_KEY_PATH: undefined });
    expect(config.temporal.tls).toMatchObject({ clientCertPair: undefined });
    const refused = proxy.refused.length;

    await expect(connectClient(config)).rejects.toThrow(/Failed to connect/);
    // Under TLS 1.3 the server's refusal can reach the client as the alert or as the connection closing.
    await expect(connectWorker(config)).rejects.toThrow(/CertificateRequired|connection closed/);
    expect(proxy.refused.slice(refused).join('\n')).toMatch(/peer did not return a certificate/);
  }, 60_000);
});
