/**
 * Waits for `p` at most `ms`: its value, or 'timeout' when the time ran out first. The timer is
 * cleared once either side settles and never holds the process open, so a wait that is abandoned
 * (a shutdown, a Slack acknowledgement deadline) leaves nothing behind.
 */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
