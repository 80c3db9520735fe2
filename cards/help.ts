import { HELP_TEXT } from '../domain/command-table';
import { texts } from './texts';

/** The answer to 帮助 and to anything the bot did not understand: one greeting line, then the command list. */
export function helpText(input: string): string {
  const head = input && !/^(帮助|help|\?|？)$/i.test(input) ? texts.help.unknown(input.slice(0, 40)) : texts.help.greeting;
  return `${head}\n${HELP_TEXT}`;
}
