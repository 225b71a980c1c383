/** Apps several test files share. Plain TypeScript: they run in Node and in workerd alike. */
import type { App } from '../src/index.js';

/**
 * An event stream that has sent its head and waits for an event that never comes: only its
 * `close()` can end it. `onClose` counts the closes; `onStart` runs when the app is called.
 */
export function idleEventStream(onClose: () => void, onStart: () => void = () => {}): App {
  return (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/event-stream']]);
    onStart();
    return {
      [Symbol.asyncIterator]() {
        return { next: () => new Promise<IteratorResult<string>>(() => {}) };
      },
      close: onClose,
    };
  };
}
