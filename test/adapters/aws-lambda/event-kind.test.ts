import { describe, expect, it } from 'vitest';
import { buildEvent, type EventKindName, eventKind } from '../../../adapters/aws-lambda/index.js';

const KINDS: EventKindName[] = ['aws-v1', 'aws-v2', 'alb', 'alb-multi', 'function-url', 'edge'];

describe('eventKind', () => {
  it.each(KINDS)('names a %s event as the handler recognises it', (kind) => {
    expect(eventKind(buildEvent(kind as 'aws-v1', { path: '/x?y=1' }))).toBe(kind);
  });

  it('names nothing for a warm-up ping, a non-object or an unknown event', () => {
    expect(eventKind({ source: 'serverless-plugin-warmup' })).toBeUndefined();
    expect(eventKind(null)).toBeUndefined();
    expect(eventKind([1])).toBeUndefined();
    expect(eventKind({ hello: 'world' })).toBeUndefined();
  });
});
