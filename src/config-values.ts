import { z } from 'zod';

/** The value types environment variables share (src/config-schema.ts, src/config-tuning.ts). */
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const httpsOrHttpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be http(s)');
export const secret = z.string().min(32, 'must be at least 32 characters');
