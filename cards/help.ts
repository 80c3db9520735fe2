import { HELP_TEXT } from '../domain/command-table';
import { texts } from './texts';

/** The answer to 帮助: one greeting line, then the command list. */
export function helpText(input: string): string {
  const head = input && !/^(帮助|help|\?|？)$/i.test(input) ? texts.help.unknown(input.slice(0, 40)) : texts.help.greeting;
  return `${head}\n${HELP_TEXT}`;
}

/** The answer to a message not understood: the closest one or two commands and a pointer to 帮助 — never the whole list. */
export function missText(input: string, suggestions: string[]): string {
  return texts.help.miss(input.replace(/\s+/g, ' ').slice(0, 30), suggestions);
}
