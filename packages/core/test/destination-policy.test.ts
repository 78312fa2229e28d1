import { describe, expect, it } from 'vitest';
import { canonicalHost, compileDestinationPolicy, DEFAULT_PROPAGATE_TO } from '../src/index.js';

const defaults = compileDestinationPolicy();

describe('default propagateTo', () => {
  it.each([
    'orders',
    'orders.shop.svc',
    'orders.shop.svc.cluster.local',
    'orders.shop.svc.cluster.local.',
    'ORDERS.Shop.SVC',
    'redis.cluster.local',
    'localhost',
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '[::1]',
  ])('allows %s', (host) => {
    expect(defaults.allows(host)).toBe(true);
  });

  it.each([
    'api.stripe.com',
    'example.com',
    'orders.svc.evil.com',
    'cluster.local',
    '.svc',
    '10.0.0.1',
    '8.8.8.8',
    '::2',
    'orders@evil.com',
    'evil.com/orders',
    'orders:80',
    '',
  ])('refuses %s', (host) => {
    expect(defaults.allows(host)).toBe(false);
  });

  it('lists exactly the documented defaults', () => {
    expect(DEFAULT_PROPAGATE_TO).toEqual([
      '*',
      '*.svc',
      '*.svc.cluster.local',
      '*.cluster.local',
      'localhost',
      '127.0.0.0/8',
      '::1',
    ]);
  });
});

describe('metadata and link-local addresses', () => {
  const everything = compileDestinationPolicy([
    '*',
    '*.internal',
    '*.com',
    '*.net',
    '0.0.0.0/0',
    '::/0',
  ]);

  it.each([
    ['Tencent Cloud', 'metadata.tencentyun.com'],
    ['IBM Cloud', 'api.metadata.cloud.ibm.com'],
    ['Equinix Metal', 'metadata.platformequinix.com'],
    ['Equinix Metal (Packet)', 'metadata.packet.net'],
    ['Azure WireServer', '168.63.129.16'],
    ['Oracle Cloud (legacy)', '192.0.0.192'],
    ['Oracle Cloud (IPv6)', 'fd00:c1::a9fe:a9fe'],
    ['Tencent Cloud (IPv4)', '169.254.0.23'],
    ['AWS (IPv6)', '[fd00:ec2::254]'],
    ['Alibaba Cloud', '100.100.100.200'],
    ['Google Cloud', 'metadata.goog'],
    ['AWS (EC2 name)', 'instance-data.ec2.internal'],
  ])("never allows %s's metadata service (%s), even under a wide wildcard", (_cloud, host) => {
    expect(everything.allows(host)).toBe(false);
  });

  it.each([
    '169.254.169.254',
    '169.254.170.2',
    '2852039166',
    '0xA9FEA9FE',
    '0251.0376.0251.0376',
    '169.254.43518',
    '::ffff:169.254.169.254',
    '[::ffff:a9fe:a9fe]',
    'fd00:ec2::254',
    'fe80::1',
    '100.100.100.200',
    'metadata',
    'metadata.google.internal',
    'METADATA.GOOGLE.INTERNAL.',
    'instance-data',
  ])('never allows %s, even when a wildcard or 0.0.0.0/0 would match', (host) => {
    expect(everything.allows(host)).toBe(false);
  });

  it('still allows ordinary addresses under those wide patterns', () => {
    expect(everything.allows('10.1.2.3')).toBe(true);
    expect(everything.allows('orders')).toBe(true);
  });

  it('refuses a pattern that names a metadata or link-local address, at creation', () => {
    expect(() => compileDestinationPolicy(['169.254.169.254'])).toThrow(/never sent there/);
    expect(() => compileDestinationPolicy(['metadata.google.internal'])).toThrow(
      /never sent there/,
    );
  });
});

describe('custom patterns', () => {
  it('matches exact hosts, wildcards over one or more labels, IPs and CIDRs', () => {
    const policy = compileDestinationPolicy([
      'api.partner.internal',
      '*.corp',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    expect(policy.allows('api.partner.internal')).toBe(true);
    expect(policy.allows('x.api.partner.internal')).toBe(false);
    expect(policy.allows('a.b.corp')).toBe(true);
    expect(policy.allows('corp')).toBe(false);
    expect(policy.allows('10.200.0.1')).toBe(true);
    expect(policy.allows('11.0.0.1')).toBe(false);
    expect(policy.allows('fd12::1')).toBe(true);
    expect(policy.allows('orders')).toBe(false);
  });

  it.each([
    [['*.'], /host wildcard/],
    [['a*b'], /not a host name/],
    [['10.0.0.0/33'], /prefix length/],
    [['https://orders'], /not a host name/],
    [[''], /non-empty/],
  ])('refuses the pattern %j with a message that says what a pattern is', (patterns, message) => {
    expect(() => compileDestinationPolicy(patterns as string[])).toThrow(message);
  });
});

describe('canonicalHost', () => {
  it('spells a host the way a client will connect to it', () => {
    expect(canonicalHost('2852039166')).toBe('169.254.169.254');
    expect(canonicalHost('[::FFFF:7f00:1]')).toBe('127.0.0.1');
    expect(canonicalHost('Orders.')).toBe('orders');
    expect(canonicalHost('a@b')).toBeUndefined();
  });

  it.each(['fe80::1%lo', '[fe80::1%25eth0]', '::1%1', 'fd00::1%eth0'])(
    'reads an IPv6 address with a zone (%s) as no host, without throwing',
    (host) => {
      expect(canonicalHost(host)).toBeUndefined();
      expect(compileDestinationPolicy(['*', '::/0']).allows(host)).toBe(false);
    },
  );
});
