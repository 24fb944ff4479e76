/**
 * Structured log lines for Forge's log viewer: one JSON object per line with a message and ids.
 * Callers pass ids, decisions and reasons only, never a secret, a whole event or a Jira response.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

function emit(level: Level, message: string, fields: LogFields = {}): void {
  if (process.env.DEV_VM_SILENT_LOGS === '1') return;
  const line = JSON.stringify({ level, message, service: 'dev-vm-forge', ...fields });
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

export const log = {
  debug: (m: string, f?: LogFields) => emit('debug', m, f),
  info: (m: string, f?: LogFields) => emit('info', m, f),
  warn: (m: string, f?: LogFields) => emit('warn', m, f),
  error: (m: string, f?: LogFields) => emit('error', m, f),
};

export const errorName = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
