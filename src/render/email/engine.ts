import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';

/**
 * The template engine of the emails: MJML templates in ./templates, compiled once to Handlebars.
 *
 * MJML is slow (milliseconds per template) and the templates do not change while the process runs, so
 * each template goes through MJML and Handlebars.compile once, at first use; a document then costs one
 * call of the compiled Handlebars function. The templates hold Handlebars expressions that MJML passes
 * through untouched: in text and raw table content, in `href`s and `lang`, and as `{{#if}}` in
 * `<mj-raw>` between sections. Handlebars HTML-escapes every `{{value}}`, which keeps customer-supplied
 * text inert. The templates hold no words of their own: every word comes from ./copy in the view.
 *
 * mjml 5's mjml2html is asynchronous, so compiling returns a promise.
 */

const TEMPLATES_DIR = path.join(__dirname, 'templates');

/** The message templates, one .mjml file each; partials/ holds the layout they share. */
export type TemplateName = 'invoice' | 'reminder' | 'approval';

export type Template<View> = HandlebarsTemplateDelegate<View>;

/** A Handlebars of our own: helpers or partials registered elsewhere in the process cannot change our output. */
const handlebars = Handlebars.create();

/** The HTML that MJML makes of a template: the Handlebars source. Exported for the tests that check MJML kept the expressions. */
export async function emailTemplateSource(name: TemplateName): Promise<string> {
  const filePath = path.join(TEMPLATES_DIR, `${name}.mjml`);
  const { html } = await mjml2html(await readFile(filePath, 'utf8'), {
    filePath,
    ignoreIncludes: false,
    includePath: TEMPLATES_DIR,
    // Strict: a broken template fails its first render instead of sending a mangled email.
    validationLevel: 'strict',
    fonts: {},
    keepComments: false,
  });
  return html;
}

/** Runs MJML and Handlebars.compile on every call: for the cache below, and for the benchmark's baseline. */
export async function compileTemplate<View>(name: TemplateName): Promise<Template<View>> {
  // Strict: a field missing from the view throws rather than rendering as an empty string.
  return handlebars.compile<View>(await emailTemplateSource(name), { strict: true, knownHelpersOnly: true });
}

/**
 * The template compiled at the first call only; concurrent first renders share one compile. A failed
 * compile stays failed: the template files do not change while the process runs.
 */
export function cachedTemplate<View>(name: TemplateName): () => Promise<Template<View>> {
  let made: Promise<Template<View>> | undefined;
  return () => (made ??= compileTemplate<View>(name));
}

/** Marks the parts `strong` wraps: a private-use character, which neither copy nor a document contains. */
const STRONG = '\uE000';
const STRONG_PART = /\uE000([^\uE000]*)\uE000/g;

/**
 * A sentence of plain-text copy as HTML for a triple-stash `{{{field}}}`, with the parts the sentence
 * passes through `strong` in bold. The whole sentence, copy and values alike, is escaped first, so
 * only the <strong> tags made here are markup.
 */
export function htmlWithStrong(sentence: (strong: (part: string) => string) => string): string {
  return handlebars.Utils.escapeExpression(sentence((part) => `${STRONG}${part}${STRONG}`)).replace(STRONG_PART, '<strong>$1</strong>');
}
