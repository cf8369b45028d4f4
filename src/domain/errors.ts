/**
 * A rule of the domain refused its input. `path` names the input field when the rule knows it
 * (`lines.2.quantity`), so the api can answer 400 naming the field instead of failing.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly path: string | null;

  constructor(message: string, path: string | null = null) {
    super(message);
    this.path = path;
  }

  /** The same refusal, located under `prefix` (e.g. a line's index). */
  at(prefix: string): DomainError {
    return new DomainError(this.message, this.path ? `${prefix}.${this.path}` : prefix);
  }
}
