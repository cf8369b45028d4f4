/** Environment variables through which the global setup hands its servers to the test files. */
export const TEST_ENV = {
  temporalAddress: 'BILLFLOW_TEST_TEMPORAL_ADDRESS',
  databaseAdminUrl: 'BILLFLOW_TEST_DATABASE_ADMIN_URL',
  timeSkippingServer: 'BILLFLOW_TEST_TIME_SKIPPING_SERVER',
  /** stripe-mock's base URL (STRIPE_API_BASE of the tests' billflow). */
  stripeMock: 'BILLFLOW_TEST_STRIPE_MOCK',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is not set: run the tests through jest (npm test)`);
  return value;
}
