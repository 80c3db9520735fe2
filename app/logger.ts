import pino, { type Logger } from 'pino';

/** pino JSON logs. Secrets never reach a log line: the config is redacted and these paths are censored. */
export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    base: { app: 'sales-process-bot' },
    redact: {
      paths: ['secret', 'token', 'encodingAesKey', 'adminToken', 'access_token', 'corpsecret', '*.secret', '*.access_token',
        'req.headers.authorization', 'headers.authorization'],
      censor: '***',
    },
  });
}
