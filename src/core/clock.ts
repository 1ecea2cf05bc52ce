/** Time as a port, so tests can move it without global mocks. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
