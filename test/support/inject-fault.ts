/**
 * Preloaded into a server process by tests only (`node -r`), never by the server itself:
 * on SIGUSR2 a background task fails the way `TEST_INJECT_FAULT` says, outside any request,
 * to exercise the process-level handlers of `src/index.ts`.
 */
process.on('SIGUSR2', () => {
  setImmediate(() => {
    if (process.env.TEST_INJECT_FAULT === 'rejection') {
      void Promise.reject(new Error('injected: a background task failed'));
    } else if (process.env.TEST_INJECT_FAULT === 'exception') {
      throw new Error('injected: a callback threw');
    }
  });
});
