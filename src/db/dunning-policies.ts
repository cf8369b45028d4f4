import type { DunningPolicy, DunningStep } from '../domain/dunning';
import type { Sql } from './client';

export async function insertDunningPolicy(sql: Sql, policy: DunningPolicy, createdBy: string, createdAt: string): Promise<DunningPolicy> {
  await sql`
    insert into dunning_policies (id, name, steps, created_by, created_at)
    values (${policy.id}, ${policy.name}, ${sql.json(policy.steps as never)}, ${createdBy}, ${createdAt})
    on conflict (id) do nothing`;
  return (await findDunningPolicy(sql, policy.id)) ?? policy;
}

export async function findDunningPolicy(sql: Sql, id: string): Promise<DunningPolicy | null> {
  const [row] = await sql<{ id: string; name: string; steps: DunningStep[] }[]>`
    select id, name, steps
    from dunning_policies
    where id = ${id}`;
  return row ? { id: row.id, name: row.name, steps: row.steps } : null;
}
