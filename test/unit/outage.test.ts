import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { outageOf } from '../../src/api/outage';
import { AppError, ErrorCode } from '../../src/errors';
import { freePort } from '../../scripts/stack/ports';

/** The error a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('outageOf: PostgreSQL, with the errors postgres.js really gives', () => {
  test('when the server\'s port is closed, then the refused connection is an outage', async () => {
    const sql = postgres(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`, { max: 1, onnotice: () => undefined });
    const error = await rejection(sql`select 1`);
    await sql.end({ timeout: 1 });
    expect(outageOf(error)).toEqual({ dependency: 'network', code: 'ECONNREFUSED' });
  });

  test('when the pool has ended, then CONNECTION_ENDED is an outage', async () => {
    const sql = postgres(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`, { max: 1, onnotice: () => undefined });
    await sql.end();
    expect(outageOf(await rejection(sql`select 1`))).toEqual({ dependency: 'postgres', code: 'CONNECTION_ENDED' });
  });

  test('when the server accepts the connection but never answers, then CONNECT_TIMEOUT is an outage', async () => {
    const silent = await silentServer();
    const sql = postgres(`postgres://nobody:nothing@127.0.0.1:${silent.port}/none`, { max: 1, connect_timeout: 0.3, onnotice: () => undefined });
    const error = await rejection(sql`select 1`);
    await sql.end({ timeout: 0 });
    await silent.close();
    expect(outageOf(error)).toEqual({ dependency: 'postgres', code: 'CONNECT_TIMEOUT' });
  });

  test.each([
    ['57P01', 'terminating connection due to administrator command', true],
    ['57P03', 'the database system is starting up', true],
    ['53300', 'sorry, too many clients already', true],
    ['08006', 'connection failure', true],
    ['23505', 'duplicate key value violates unique constraint', false],
    ['40001', 'could not serialize access', false],
    ['42P01', 'relation "nothing" does not exist', false],
  ])('when the server answers SQLSTATE %s (%s), then outage is %p', (code, message, outage) => {
    // As postgres.js builds it from the server's ErrorResponse.
    const error = new postgres.PostgresError({ severity: 'FATAL', code, message } as never);
    expect(outageOf(error)).toEqual(outage ? { dependency: 'postgres', code } : null);
  });
});

describe('outageOf: Temporal, with the errors @temporalio/client really throws', () => {
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    // No gRPC retry interceptor, so a call fails at once instead of retrying for about 20 s.
    connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] });
    client = new Client({ connection });
  });
  afterAll(() => connection.close());

  test.each([
    ['workflow.start', () => client.workflow.start('invoiceWorkflow', { workflowId: 'invoice:x', taskQueue: 'billing' })],
    ['query', () => client.workflow.getHandle('invoice:x').query('invoiceState')],
    ['executeUpdate', () => client.workflow.getHandle('invoice:x').executeUpdate('approve')],
  ])('when the frontend\'s port is closed, then %s fails with an outage (UNAVAILABLE)', async (_name, call) => {
    const error = await rejection(call());
    expect(error).toBeInstanceOf(Error);
    expect(outageOf(error)).toEqual({ dependency: 'temporal', code: 'UNAVAILABLE' });
  });

  test('when the frontend accepts the connection but never answers, then an Update\'s deadline is an outage (DEADLINE_EXCEEDED)', async () => {
    const silent = await silentServer();
    const stuck = Connection.lazy({ address: `127.0.0.1:${silent.port}`, interceptors: [] });
    const error = await rejection(
      stuck.withDeadline(Date.now() + 300, () => new Client({ connection: stuck }).workflow.getHandle('invoice:x').executeUpdate('approve')),
    );
    await stuck.close();
    await silent.close();
    expect((error as Error).name).toBe('WorkflowUpdateRPCTimeoutOrCancelledError');
    expect(outageOf(error)).toEqual({ dependency: 'temporal', code: 'DEADLINE_EXCEEDED' });
  });
});

describe('outageOf: everything else', () => {
  test('when an internal error was caused by a lost connection, then it is an outage', () => {
    const lost = Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' });
    expect(outageOf(new AppError({ code: ErrorCode.internal, message: 'failed', cause: lost }))).toEqual({ dependency: 'postgres', code: 'CONNECTION_CLOSED' });
  });

  test('when Node reports every address it tried in an AggregateError, then it is an outage', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
    expect(outageOf(new AggregateError([refused], 'connect failed'))).toEqual({ dependency: 'network', code: 'ECONNREFUSED' });
  });

  test.each([
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['a refusal', new AppError({ code: ErrorCode.conflict, message: 'the invoice is paid' })],
    ['a file error', Object.assign(new Error('ENOENT'), { code: 'ENOENT' })],
    ['not an error', 'boom'],
  ])('when the error is %s, then it is not an outage', (_name, error) => {
    expect(outageOf(error)).toBeNull();
  });
});

/** A TCP server that accepts connections and never says a word, as a hung server would. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
