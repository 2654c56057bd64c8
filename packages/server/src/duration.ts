const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Parses a duration in whole seconds: `2`, `90s`, `15m`, `12h`, `30d`.
 * Returns `undefined` for anything else, so the caller can name the offending setting.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d{1,10})\s*([smhd]?)\s*$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}
