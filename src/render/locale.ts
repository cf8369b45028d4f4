/** The languages billflow writes to customers in. A locale in any other language gets English. */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * What a customer's locale decides: the language of the words, and for German the Intl locale of
 * dates and amounts. English keeps billflow's own formats ("EUR 1,234.50", "2026-12-01") whatever
 * the region, so `tag` is always "en" for it.
 */
export interface Locale {
  readonly language: Language;
  /** A BCP 47 tag Intl accepts, also the HTML `lang`. */
  readonly tag: string;
}

export const ENGLISH: Locale = Object.freeze({ language: 'en', tag: 'en' });

/** "de", "de-DE", "de-AT", "de_CH" → German in that region's formats; anything else → English. */
export function resolveLocale(tag: string): Locale {
  const language = tag.split(/[-_]/, 1)[0]?.toLowerCase();
  if (language !== 'de') return ENGLISH;
  return { language: 'de', tag: intlTag(tag.replace('_', '-')) };
}

function intlTag(tag: string): string {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? 'de-DE';
  } catch {
    // Not a well-formed tag ("de-!"): the language is clear, the region is not.
    return 'de-DE';
  }
}
