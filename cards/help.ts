import { texts } from './texts';

/** The command list shown by 帮助 and for anything the bot did not understand. */
export const COMMAND_LINES = [
  '• 帮助 —— 查看本说明',
];

export function helpText(input: string): string {
  const head = input && !/^(帮助|help|\?|？)$/i.test(input) ? texts.help.unknown(input.slice(0, 40)) : texts.help.greeting;
  return [head, ...COMMAND_LINES].join('\n');
}
