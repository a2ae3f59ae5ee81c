import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs with ids only. The redaction list is a second line of
 * defence: code logs ids, never names, addresses or card data, but a field
 * with one of these names is masked if it ever slips in.
 */
export const REDACTED_FIELDS = [
  'name',
  'phone',
  'email',
  'address',
  'token',
  'authorization',
  'cardNumber',
  'pan',
  'cvv',
  'cvc',
  '*.name',
  '*.phone',
  '*.email',
  '*.address',
  '*.token',
  '*.authorization',
  '*.cardNumber',
  '*.pan',
  '*.cvv',
  '*.cvc',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'sync-server' },
      redact: { paths: REDACTED_FIELDS, censor: '[redacted]' },
    },
    destination,
  );
}
