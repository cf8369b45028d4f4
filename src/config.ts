import { z } from 'zod';
import { ROLES, type Role } from './domain/actor';
import { DurationError, parseIsoDuration } from './domain/duration';
import { resolveTemporal, type TemporalConfig } from './temporal/config';

/** An API key and the person it authenticates, with a role of API.md (`admin` may do everything). */
export interface ApiKey {
  key: string;
  role: Role;
  principal: string;
}

export interface Config {
  port: number;
  /** Interface the api binds to; unset lets each entry point choose (`npm start`: loopback only). */
  host: string | undefined;
  /** Unset means "no external PostgreSQL": only `npm start` can then provide an embedded one. */
  databaseUrl: string | undefined;
  temporal: TemporalConfig;
  smtpUrl: string;
  mailFrom: string;
  publicBaseUrl: string;
  /** The Temporal Web UI, for links from the pages under /app to an invoice's workflow; unset: no links. */
  temporalUiUrl: string | undefined;
  apiKeys: readonly ApiKey[];
  stripe: { secretKey: string | undefined; apiBase: string | undefined; webhookSecret: string | undefined };
  logLevel: string;
  approval: { notify: string; escalateTo: string; escalationAfter: string };
  invoiceNumberPrefix: string;
  /** Who the customer's pages are from: the name in their header, and a logo file billflow serves itself (/pay/logo). */
  company: { name: string; logoFile: string | undefined };
  /** Per minute: failed authentications per client IP, and writes per API key. */
  rateLimit: { authFailuresPerMinute: number; writesPerMinute: number };
  worker: {
    /** Workflows kept in the worker's sticky cache: the bound on its memory (docs/performance.md). */
    maxCachedWorkflows: number;
    /** SMTP connections kept open and reused by the worker's emails. */
    smtpConnections: number;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const apiKeyList = z.string().transform((value, ctx): ApiKey[] => {
  const keys: ApiKey[] = [];
  for (const [index, entry] of value.split(',').map((e) => e.trim()).filter(Boolean).entries()) {
    const [key, role, principal, ...rest] = entry.split(':');
    if (!key || !role || !principal || rest.length > 0) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must be key:role:principal` });
      continue;
    }
    if (!(ROLES as readonly string[]).includes(role)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} has role "${role}"; roles are ${ROLES.join(', ')}` });
      continue;
    }
    if (key.length < 8) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: an API key needs at least 8 characters` });
      continue;
    }
    if (keys.some((k) => k.key === key)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} repeats a key` });
      continue;
    }
    keys.push({ key, role: role as Role, principal });
  }
  if (keys.length === 0 && ctx.issues.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one key:role:principal' });
  return keys;
});

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalString.pipe(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'must be an IP address or host name, e.g. "0.0.0.0"').optional()),
  DATABASE_URL: optionalString.pipe(url(['postgres:', 'postgresql:']).optional()),
  // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* and TEMPORAL_PROFILE are
  // resolved with a profile file by resolveTemporal below; only the strict boolean is checked here.
  TEMPORAL_TLS: optionalString.pipe(z.enum(['true', 'false', '1', '0'], 'must be true or false').optional()),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('billing'),
  SMTP_URL: url(['smtp:', 'smtps:']).default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().trim().min(3).default('billflow <billing@billflow.localhost>'),
  PUBLIC_BASE_URL: url(['http:', 'https:']).optional(),
  TEMPORAL_UI_URL: optionalString.pipe(url(['http:', 'https:']).optional()),
  BILLFLOW_API_KEYS: apiKeyList,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_API_BASE: optionalString.pipe(url(['http:', 'https:']).optional()),
  STRIPE_WEBHOOK_SECRET: optionalString,
  APPROVERS_EMAIL: z.email('must be an email address').default('approvers@billflow.localhost'),
  APPROVAL_ESCALATION_EMAIL: z.email('must be an email address').default('finance-lead@billflow.localhost'),
  APPROVAL_ESCALATION_AFTER: z
    .string()
    .default('P2D')
    .refine((v) => {
      try {
        return parseIsoDuration(v) > 0;
      } catch (error) {
        if (error instanceof DurationError) return false;
        throw error;
      }
    }, 'must be a positive ISO 8601 duration such as "P2D" or "PT4H"'),
  INVOICE_NUMBER_PREFIX: z.string().regex(/^[A-Z][A-Z0-9]{0,9}$/, 'must be 1 to 10 capital letters or digits, e.g. "INV"').default('INV'),
  COMPANY_NAME: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').default('billflow'),
  COMPANY_LOGO_FILE: optionalString.pipe(
    z.string().regex(/\.(png|jpe?g|svg|webp|gif)$/i, 'must be the path of a .png, .jpg, .svg, .webp or .gif file').optional(),
  ),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_WRITES_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(100),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Reads the environment once, validates it and returns a frozen config. Every bad variable is
 * named in one error, so a misconfigured deploy fails at start-up rather than on first use.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = schema.safeParse(env);
  const problems = (parsed.error?.issues ?? []).map((issue) => {
    const variable = String(issue.path[0] ?? 'environment');
    const message = issue.code === 'invalid_type' && env[variable] === undefined ? 'is required' : issue.message;
    return `${variable} ${message}`;
  });
  const temporal = resolveTemporal(env, problems);
  if (!parsed.success || !temporal || problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const e = parsed.data;
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    temporal: { ...temporal, taskQueue: e.TEMPORAL_TASK_QUEUE },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    temporalUiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    apiKeys: e.BILLFLOW_API_KEYS,
    stripe: { secretKey: e.STRIPE_SECRET_KEY, apiBase: e.STRIPE_API_BASE, webhookSecret: e.STRIPE_WEBHOOK_SECRET },
    logLevel: e.LOG_LEVEL,
    approval: { notify: e.APPROVERS_EMAIL, escalateTo: e.APPROVAL_ESCALATION_EMAIL, escalationAfter: e.APPROVAL_ESCALATION_AFTER },
    invoiceNumberPrefix: e.INVOICE_NUMBER_PREFIX,
    company: { name: e.COMPANY_NAME, logoFile: e.COMPANY_LOGO_FILE },
    rateLimit: { authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE, writesPerMinute: e.RATE_LIMIT_WRITES_PER_MINUTE },
    worker: { maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS, smtpConnections: e.SMTP_MAX_CONNECTIONS },
  });
}

export function requireDatabaseUrl(config: Config, who: string): string {
  if (!config.databaseUrl) {
    throw new ConfigError(`invalid configuration:\n  DATABASE_URL is required for ${who} (npm start provides an embedded PostgreSQL)`);
  }
  return config.databaseUrl;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
