import { describe, expect, it } from 'vitest';
import {
  type IstioManifestOptions,
  IstioOptionsError,
  passportManifests,
  resolveIstioOptions,
} from '../src/index.js';
import { PLAIN } from './support/options.js';

/** The IstioOptionsError `fn` throws (fails the test if it throws anything else or nothing). */
function refusal(fn: () => unknown): IstioOptionsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(IstioOptionsError);
    return error as IstioOptionsError;
  }
  throw new Error('expected an IstioOptionsError, nothing was thrown');
}

function refused(options: unknown): IstioOptionsError {
  return refusal(() => resolveIstioOptions(options as IstioManifestOptions));
}

describe('resolveIstioOptions defaults', () => {
  it('fills in the istioctl gateway, the passport header and signed mode', () => {
    expect(resolveIstioOptions({ namespace: 'shop' })).toEqual({
      namespace: 'shop',
      header: 'passport',
      mode: 'signed',
      dataplane: 'sidecar',
      profile: 'passport',
      trustDomain: undefined,
      txnTokenHeader: undefined,
      gatewaySelector: { istio: 'ingressgateway' },
      gatewayName: undefined,
      waypointName: undefined,
      edgeService: undefined,
      gatewayNamespace: 'istio-system',
      gatewayPrincipals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'],
      edgeSelector: { app: 'gateway' },
      issuer: undefined,
      jwksUri: undefined,
      audiences: [],
      gatewayHosts: [],
      externalHosts: [],
    });
  });

  it('derives the default gateway principal from gatewayNamespace', () => {
    expect(
      resolveIstioOptions({ namespace: 'shop', gatewayNamespace: 'ingress' }).gatewayPrincipals,
    ).toEqual(['cluster.local/ns/ingress/sa/istio-ingressgateway-service-account']);
  });

  it('lower-cases the header name', () => {
    expect(resolveIstioOptions({ namespace: 'shop', header: 'X-Passport' }).header).toBe(
      'x-passport',
    );
  });

  it('lower-cases and de-duplicates external hosts', () => {
    expect(
      resolveIstioOptions({
        namespace: 'shop',
        externalHosts: ['API.example.com', 'api.example.com'],
      }).externalHosts,
    ).toEqual(['api.example.com']);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(resolveIstioOptions({ namespace: 'shop' }))).toBe(true);
  });
});

describe('resolveIstioOptions refuses', () => {
  it('a missing namespace, saying it is required', () => {
    const error = refused({});
    expect(error.option).toBe('namespace');
    expect(error.message).toMatch(/^namespace: is required/);
  });

  it('a namespace that is not a DNS label', () => {
    const error = refused({ namespace: 'Shop_1' });
    expect(error.option).toBe('namespace');
    expect(error.message).toContain('"Shop_1" is not a Kubernetes namespace name');
  });

  it('an unknown option, listing the known ones', () => {
    const error = refused({ namespace: 'shop', namepsace: 'shop' });
    expect(error.option).toBe('options');
    expect(error.message).toContain('unknown option "namepsace"');
    expect(error.message).toContain('namespace, header, mode');
  });

  it('a mode other than signed or plain', () => {
    expect(refused({ namespace: 'shop', mode: 'mesh' }).message).toBe(
      'mode: must be "signed" or "plain", got "mesh".',
    );
  });

  it('a credential as the passport header (the ingress would strip it from every request)', () => {
    const error = refused({ namespace: 'shop', header: 'Authorization' });
    expect(error.option).toBe('header');
    expect(error.message).toContain('"authorization" cannot be the passport header');
  });

  it('a header name with characters HTTP does not allow', () => {
    expect(refused({ namespace: 'shop', header: 'pass port' }).option).toBe('header');
  });

  it('an empty gateway selector, which would select every workload', () => {
    const error = refused({ namespace: 'shop', gatewaySelector: {} });
    expect(error.option).toBe('gatewaySelector');
    expect(error.message).toContain('needs at least one label');
  });

  it('a wildcard in a selector label value', () => {
    const error = refused({ namespace: 'shop', gatewaySelector: { istio: 'ingress*' } });
    expect(error.message).toContain('not a valid label value');
  });

  it('a non-default gateway selector without the gateway principal', () => {
    const error = refused({ namespace: 'shop', gatewaySelector: { istio: 'ingress' } });
    expect(error.option).toBe('gatewayPrincipals');
    expect(error.message).toContain('cluster.local/ns/istio-system/sa/<Helm release name>');
  });

  it('a gateway principal that is not <trust domain>/ns/<ns>/sa/<sa>', () => {
    const error = refused({ namespace: 'shop', gatewayPrincipals: ['istio-ingress'] });
    expect(error.option).toBe('gatewayPrincipals');
    expect(error.message).toContain('"istio-ingress" is not a workload identity');
  });

  it('an empty string in a list, as Istio does', () => {
    const error = refused({ namespace: 'shop', gatewayPrincipals: [''] });
    expect(error.message).toContain('Istio refuses empty values');
  });

  it('an in-mesh host as an external host', () => {
    const error = refused({ namespace: 'shop', externalHosts: ['orders.shop.svc.cluster.local'] });
    expect(error.option).toBe('externalHosts');
    expect(error.message).toContain('is an in-mesh name');
  });

  it('a single-label external host', () => {
    expect(refused({ namespace: 'shop', externalHosts: ['orders'] }).message).toContain(
      'not a fully qualified external host name',
    );
  });

  it('a wildcard external host', () => {
    expect(refused({ namespace: 'shop', externalHosts: ['*.example.com'] }).message).toContain(
      'wildcard hosts are not supported',
    );
  });

  it('plain-mode options in signed mode', () => {
    const error = refused({ namespace: 'shop', issuer: 'https://issuer.example.com' });
    expect(error.option).toBe('issuer');
    expect(error.message).toContain('applies to mode "plain" only');
  });

  it('the edge selector in plain mode', () => {
    const error = refused({ ...PLAIN, edgeSelector: { app: 'edge' } });
    expect(error.option).toBe('edgeSelector');
    expect(error.message).toContain('applies to mode "signed" only');
  });

  it('plain mode without an issuer', () => {
    const { issuer: _, ...options } = PLAIN;
    const error = refused(options);
    expect(error.option).toBe('issuer');
    expect(error.message).toContain("plain mode needs the users' token issuer");
  });

  it('plain mode without a JWKS URL', () => {
    const { jwksUri: _, ...options } = PLAIN;
    expect(refused(options).option).toBe('jwksUri');
  });

  it('a JWKS URL that is not http or https', () => {
    const error = refused({ ...PLAIN, jwksUri: 'file:///etc/jwks.json' });
    expect(error.message).toContain('must be an http:// or https:// URL');
  });

  it('bad options before building any manifest', () => {
    expect(() => passportManifests({ namespace: 'shop', header: 'cookie' })).toThrow(
      IstioOptionsError,
    );
  });
});

describe('IstioOptionsError', () => {
  it('carries its code, option and reason', () => {
    const error = refused({ namespace: 'shop', mode: 'mesh' });
    expect(error.code).toBe('ERR_ISTIO_OPTIONS');
    expect(error.reason).toBe('must be "signed" or "plain", got "mesh".');
    expect(error).toBeInstanceOf(TypeError);
  });

  it('is recognised by instanceof across copies through its Symbol.for brand', () => {
    const foreign = Object.create(Error.prototype) as Record<symbol, unknown>;
    Object.defineProperty(foreign, Symbol.for('passport-relay.istio.IstioOptionsError'), {
      value: true,
    });
    expect(foreign).toBeInstanceOf(IstioOptionsError);
    expect(new Error('other')).not.toBeInstanceOf(IstioOptionsError);
  });
});
