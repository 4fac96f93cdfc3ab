/**
 * One way to show defaults and choices in every command's --help: `(default: results)`, unquoted,
 * the form hand-written descriptions use too (`(default: all)`). Commander's own form quotes strings
 * (`(default: "results")`), which read like a different thing beside them.
 */
import type { Argument, HelpConfiguration, Option } from 'commander';

function extra(description: string, choices: readonly string[] | undefined, defaultText: string | undefined): string {
  const parts: string[] = [];
  if (choices) parts.push(`one of: ${choices.join(', ')}`);
  if (defaultText !== undefined) parts.push(`default: ${defaultText}`);
  return parts.length ? `${description} (${parts.join('; ')})`.trim() : description;
}

const shown = (value: unknown, description: string | undefined): string | undefined =>
  description ?? (value === undefined ? undefined : Array.isArray(value) ? value.join(' ') : String(value));

export const helpFormat: HelpConfiguration = {
  optionDescription: (option: Option) =>
    extra(
      option.description,
      option.argChoices,
      // Flags without a value (--json) have no default worth showing.
      option.required || option.optional ? shown(option.defaultValue, option.defaultValueDescription) : undefined,
    ),
  argumentDescription: (argument: Argument) =>
    extra(argument.description, argument.argChoices, shown(argument.defaultValue, argument.defaultValueDescription)),
};
