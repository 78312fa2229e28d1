import { peerSetProject } from '../peer-project.js';

export default peerSetProject({
  name: 'nest@11',
  configUrl: import.meta.url,
  packageDir: 'nest',
  peers: [
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/platform-fastify',
    '@nestjs/testing',
    'nestjs-cls',
  ],
  exclude: [
    {
      file: 'test/dist.test.ts',
      why: 'the built CommonJS file resolves its peers from the package, never from an alias; the pack-install test runs it against Nest 11 as a user would',
    },
  ],
  test: { testTimeout: 60_000, hookTimeout: 30_000 },
});
