export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { billflowTestStops?: (() => Promise<void>)[] }).billflowTestStops ?? [];
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}
