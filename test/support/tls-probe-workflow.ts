/** The smallest workflow a worker can run: proof that it polled and completed a task. */
export async function tlsProbeWorkflow(input: { text: string }): Promise<string> {
  return Promise.resolve(`received ${input.text}`);
}
