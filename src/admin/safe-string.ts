import { z } from 'zod';
import { isSafeIdentifier } from '../http/safe-text.ts';

/** A path or query string worth a database lookup: bounded, no control characters, valid Unicode. */
export const safeString = (max: number) => z.string().min(1).max(max).refine((value) => isSafeIdentifier(value, max), 'must not contain control characters or invalid Unicode');
