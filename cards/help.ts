import { HELP_TEXT } from '../domain/command-table';
import { texts } from './texts';

/** The answer to 帮助 (and 菜单, 你好…: every way of asking what the bot does): one greeting line, then the command list. */
export function helpText(): string {
  return `${texts.help.greeting}\n${HELP_TEXT}`;
}

/** The answer to a message not understood: the closest one or two commands and a pointer to 帮助 — never the whole list. */
export function missText(input: string, suggestions: string[]): string {
  const one = input.replace(/\s+/g, ' ');
  const shown = [...one].length > 30 ? `${[...one].slice(0, 29).join('')}…` : one; // cut, and say so
  return texts.help.miss(shown, suggestions);
}
