import express from 'express';
import express4 from 'express4';

/** Both supported majors, driven by the same tests. Express 4's API is the subset we use. */
export const expressVersions = [
  { name: 'express 5', express },
  { name: 'express 4', express: express4 as unknown as typeof express },
] as const;
