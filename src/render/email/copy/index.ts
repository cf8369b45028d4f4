import type { Language } from '../../locale';
import { de } from './de';
import { en } from './en';
import type { EmailCopy } from './types';

export type * from './types';

/** The copy of every language billflow writes in: a language without complete copy does not compile. */
const COPY: Readonly<Record<Language, EmailCopy>> = { en, de };

export function emailCopy(language: Language): EmailCopy {
  return COPY[language];
}
