/**
 * ODP regions and their REST v3 hosts (reference/optimizely-apis.md §4.1). `settings.region` picks the default
 * `odpApi` endpoint; a config `endpoints.odpApi` override wins (sandbox, proxy).
 */
export const ODP_REGIONS = ['US', 'EU', 'AU'] as const;
export type OdpRegion = (typeof ODP_REGIONS)[number];

export const ODP_HOSTS: Record<OdpRegion, string> = {
  US: 'https://api.us1.odp.optimizely.com/v3',
  EU: 'https://api.eu1.odp.optimizely.com/v3',
  AU: 'https://api.au1.odp.optimizely.com/v3',
};

export function isOdpRegion(v: unknown): v is OdpRegion {
  return typeof v === 'string' && (ODP_REGIONS as readonly string[]).includes(v);
}

/** The default base URL for a region; absent means US (Segment's default). Unknown regions are caught by settings validation. */
export function odpBaseUrlFor(settings: Record<string, unknown>): string {
  const region = settings.region === undefined || settings.region === null || settings.region === '' ? 'US' : String(settings.region).toUpperCase();
  return isOdpRegion(region) ? ODP_HOSTS[region] : ODP_HOSTS.US;
}

/** The base URL to use: the `odpApi` endpoint override if configured, else the region's host. */
export function resolveOdpBaseUrl(settings: Record<string, unknown>, endpoints: Record<string, string> | undefined): string {
  return endpoints?.odpApi || odpBaseUrlFor(settings);
}
